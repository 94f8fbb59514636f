import { type Attributes, createTraceState, type SpanContext, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { recordFinishedSpan } from '@tide/telemetry';
import type { InvocationRecord, SpanBatch, SpanRecord } from '@tide/runtime';
import type { PodRunSpec } from './pod-types.js';
import { clusterPodName } from './node-loop.js';

const tracer = () => trace.getTracer('tide-node-agent');

/**
 * Records each traced call a pod served as the pod's invoke span, a child of the gateway's span,
 * with the id the pod chose for it (the function saw it as its parent), and the spans the function
 * made inside it, with this process's tracer (and so its exporter). A pod loads no OpenTelemetry
 * SDK — it would cost every pod its memory and every spawn its import — so the node agent, which
 * has one, records them; their times come from the pod, on the same machine's clock.
 */
export function recordPodSpan(pod: PodRunSpec, call: InvocationRecord): void {
  const caller = spanContextOf(call.traceparent, call.tracestate);
  if (caller === undefined) return; // the pod reports only calls it could parse: a newer pod's record, say
  // OpenTelemetry's semantic conventions for a FaaS server span (faas.*) and an HTTP server (http.*, url.*).
  const attributes: Attributes = {
    'faas.trigger': call.trigger,
    'faas.invocation_id': call.invocationId,
    'faas.coldstart': call.first,
    'http.request.method': call.method,
    'url.path': call.path,
    'http.response.status_code': call.status,
    'tide.namespace': pod.namespace,
    'tide.function': pod.functionName,
    'tide.revision': pod.revision,
    'tide.pod': clusterPodName(pod),
    'tide.first_call': call.first,
    ...(call.droppedSpans ? { 'tide.spans_dropped': call.droppedSpans } : {}),
  };
  recordFinishedSpan(tracer(), {
    name: `invoke ${pod.namespace}/${pod.functionName}`,
    kind: SpanKind.SERVER,
    parent: caller,
    spanId: call.spanId,
    startMs: call.startMs,
    endMs: call.endMs,
    attributes,
    ...(call.status >= 500 ? { status: { code: SpanStatusCode.ERROR, message: `HTTP ${call.status}` } } : {}),
  });
  if (call.spans) recordFunctionSpans(call.spans, caller.traceState);
}

/** Spans a pod's function ended after its call's response (see SpanBatch). */
export function recordLateSpans(_pod: PodRunSpec, batch: SpanBatch): void {
  recordFunctionSpans(batch.spans, undefined);
}

function recordFunctionSpans(spans: readonly SpanRecord[], traceState: SpanContext['traceState']): void {
  for (const span of spans) {
    recordFinishedSpan(tracer(), {
      name: span.name,
      kind: span.kind in SpanKind ? span.kind : SpanKind.INTERNAL,
      parent: { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: TraceFlags.SAMPLED, ...(traceState ? { traceState } : {}) },
      spanId: span.spanId,
      startMs: span.startMs,
      endMs: span.endMs,
      ...(span.attributes ? { attributes: span.attributes } : {}),
      ...(span.status ? { status: span.status } : {}),
      ...(span.events ? { events: span.events } : {}),
      ...(span.links
        ? {
            links: span.links.map((link) => ({
              context: { traceId: link.traceId, spanId: link.spanId, traceFlags: TraceFlags.SAMPLED },
              ...(link.attributes ? { attributes: link.attributes } : {}),
            })),
          }
        : {}),
    });
  }
}

/** The caller's span as a remote parent (the pod validated the traceparent; this only reads it). */
function spanContextOf(traceparent: string, tracestate: string | undefined): SpanContext | undefined {
  const [, traceId, spanId, flags] = traceparent.split('-');
  if (traceId === undefined || spanId === undefined || flags === undefined) return undefined;
  const context: SpanContext = { traceId, spanId, traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true };
  if (!trace.isSpanContextValid(context)) return undefined;
  return tracestate ? { ...context, traceState: createTraceState(tracestate) } : context;
}
