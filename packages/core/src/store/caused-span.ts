import { propagation, ROOT_CONTEXT, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';

/** A span a shell started about a change, and the W3C trace context to put on the events it writes. */
export interface CausedSpan {
  span: Span;
  /** The span's traceparent, or the cause's when nothing records spans (no SDK): the trace goes on either way. */
  traceparent: string | undefined;
}

export interface CausedSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Epoch ms: when the step could have begun (e.g. when the pod it places was created), for a span that shows the wait too. */
  startTime?: number;
}

/**
 * Starts a span for one step a component takes because of a change it read from the log, as a
 * child of `cause`: the traceparent the fold keeps on the changed object (metadata.traceparent,
 * from the event that last changed it) or one a report carried. The log's consumers are
 * level-triggered, so a step's cause is the object's last change, not a message delivered to
 * it. Without a cause the span starts a trace of its own (the sampler decides). The caller ends it.
 */
export function startCausedSpan(tracer: string, name: string, cause: string | undefined, options: CausedSpanOptions = {}): CausedSpan {
  const parent = cause === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, { traceparent: cause });
  const span = trace.getTracer(tracer).startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.startTime === undefined ? {} : { startTime: options.startTime }),
    },
    parent,
  );
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, span), carrier);
  return { span, traceparent: carrier.traceparent ?? cause };
}
