import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

/** A span another process measured and this one exports for it (a pod's call, reported over IPC). */
export interface RemoteSpan {
  name: string;
  /** The parent's W3C trace context: the span joins that trace as its child. */
  traceparent: string;
  tracestate?: string;
  /** Epoch milliseconds (fractional). */
  startMs: number;
  endMs: number;
  /** HTTP status of the call: 5xx marks the span as an error. */
  status: number;
  attributes?: Attributes;
}

const tracer = () => trace.getTracer('tide-node-agent');

/**
 * Records `span` with this process's tracer (and so its exporter). A pod loads no OpenTelemetry
 * SDK — it would cost every pod its memory and every spawn its import — so the node agent, which
 * has one, records the pod's calls; their times come from the pod, on the same machine's clock.
 */
export function recordRemoteSpan(span: RemoteSpan): void {
  const carrier: Record<string, string> = { traceparent: span.traceparent, ...(span.tracestate === undefined ? {} : { tracestate: span.tracestate }) };
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  const recorded = tracer().startSpan(span.name, { kind: SpanKind.SERVER, startTime: span.startMs, ...(span.attributes ? { attributes: span.attributes } : {}) }, parent);
  if (span.status >= 500) recorded.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${span.status}` });
  recorded.end(span.endMs);
}
