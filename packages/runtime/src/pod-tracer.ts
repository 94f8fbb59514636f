import { type Context, context, type Span, type SpanOptions, type Tracer, type TracerProvider, TraceFlags, trace } from '@opentelemetry/api';
import type { CallSpans } from './call-spans.js';
import { PodSpan } from './pod-span.js';
import { randomSpanId, randomTraceId } from './span-ids.js';

/**
 * The tracer a function's @opentelemetry/api hands out in a pod: each span gets a random id and its
 * parent's trace id. It records only under a sampled parent in a call whose spans the node agent
 * records (`spansOf`); otherwise its spans are non-recording but still carry trace context, so a
 * traceparent the function sends on stays right. Without a parent (outside a traced call) a span
 * starts an unsampled trace: the pod has no sampler of its own and records nothing it cannot bound.
 */
export class PodTracer implements Tracer {
  constructor(private readonly spansOf: () => CallSpans | undefined) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(ctx);
    const valid = parent !== undefined && trace.isSpanContextValid(parent);
    const sampled = valid && (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    const spanContext = {
      traceId: valid ? parent.traceId : randomTraceId(),
      spanId: randomSpanId(),
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      ...(valid && parent.traceState ? { traceState: parent.traceState } : {}),
    };
    const spans = sampled ? this.spansOf() : undefined;
    if (!spans || !parent) return trace.wrapSpanContext(spanContext);
    const span = new PodSpan(spans, spanContext, parent.spanId, name, options.kind, options.startTime);
    if (options.attributes) span.setAttributes(options.attributes);
    if (options.links) span.addLinks(options.links);
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest[rest.length - 1] as (span: Span) => ReturnType<F>;
    const options = (rest.length >= 2 ? rest[0] : undefined) as SpanOptions | undefined;
    const parent = (rest.length >= 3 ? rest[1] : undefined) as Context | undefined;
    const base = parent ?? context.active();
    const span = this.startSpan(name, options, base);
    return context.with(trace.setSpan(base, span), fn, undefined, span);
  }
}

/** One tracer for every name and version: what the node agent records is the same either way. */
export class PodTracerProvider implements TracerProvider {
  readonly #tracer: PodTracer;

  constructor(spansOf: () => CallSpans | undefined) {
    this.#tracer = new PodTracer(spansOf);
  }

  getTracer(): Tracer {
    return this.#tracer;
  }
}
