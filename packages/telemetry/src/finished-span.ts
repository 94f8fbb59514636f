import { type Attributes, type Link, ROOT_CONTEXT, type SpanContext, type SpanKind, type SpanStatus, type Tracer, trace } from '@opentelemetry/api';
import { queuedIdGenerator, type QueuedIdGenerator } from './queued-id-generator.js';

/** A span that ran elsewhere (in a pod), as plain data: recorded here with its own ids and times. */
export interface FinishedSpan {
  name: string;
  kind: SpanKind;
  /** Its parent, whose trace it is in (traceState included). */
  parent: SpanContext;
  spanId: string;
  /** Epoch milliseconds. */
  startMs: number;
  endMs: number;
  attributes?: Attributes;
  status?: SpanStatus;
  events?: readonly { name: string; timeMs: number; attributes?: Attributes }[];
  links?: Link[];
}

/**
 * Records a finished span through `tracer` (and so this process's processors and exporter) with
 * the span id it had where it ran. The tracer's provider must generate ids with `ids` (startTelemetry's
 * SDK does): otherwise the span gets an id of the SDK's, and its children name a span that is not there.
 */
export function recordFinishedSpan(tracer: Tracer, span: FinishedSpan, ids: QueuedIdGenerator = queuedIdGenerator): void {
  const parent = trace.setSpanContext(ROOT_CONTEXT, span.parent);
  ids.queueSpanId(span.spanId);
  let started: ReturnType<Tracer['startSpan']>;
  try {
    started = tracer.startSpan(
      span.name,
      { kind: span.kind, startTime: span.startMs, ...(span.attributes ? { attributes: span.attributes } : {}), ...(span.links ? { links: span.links } : {}) },
      parent,
    );
  } finally {
    ids.queueSpanId(undefined); // a suppressed or no-op tracer asked for none: never give it to the next span
  }
  for (const event of span.events ?? []) started.addEvent(event.name, event.attributes, event.timeMs);
  if (span.status) started.setStatus(span.status);
  started.end(span.endMs);
}
