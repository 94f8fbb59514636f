import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { recordFinishedSpan } from './finished-span.js';
import { createQueuedIdGenerator } from './queued-id-generator.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function recorder() {
  const ids = createQueuedIdGenerator();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ idGenerator: ids, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { ids, exporter, tracer: provider.getTracer('test') };
}

describe('recordFinishedSpan', () => {
  it('records a span that ran elsewhere with its own id, parent, times, attributes, events and status', () => {
    const { ids, exporter, tracer } = recorder();
    recordFinishedSpan(
      tracer,
      {
        name: 'work',
        kind: SpanKind.CLIENT,
        parent: { traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true },
        spanId: '00f067aa0ba902b7',
        startMs: 1_700_000_000_000,
        endMs: 1_700_000_000_250.5,
        attributes: { 'db.system': 'kv', n: 3 },
        status: { code: SpanStatusCode.ERROR, message: 'nope' },
        events: [{ name: 'retry', timeMs: 1_700_000_000_100, attributes: { attempt: 2 } }],
      },
      ids,
    );
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext()).toMatchObject({ traceId: TRACE_ID, spanId: '00f067aa0ba902b7' });
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.startTime).toEqual([1_700_000_000, 0]);
    expect(span?.endTime).toEqual([1_700_000_000, 250_500_000]);
    expect(span?.attributes).toEqual({ 'db.system': 'kv', n: 3 });
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'nope' });
    expect(span?.events.map((e) => [e.name, e.attributes, e.time])).toEqual([['retry', { attempt: 2 }, [1_700_000_000, 100_000_000]]]);
  });

  it('gives the queued id to that span only: the next span gets a random one', () => {
    const { ids, exporter, tracer } = recorder();
    const parent = { traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    recordFinishedSpan(tracer, { name: 'a', kind: SpanKind.SERVER, parent, spanId: '1111111111111111', startMs: 1, endMs: 2 }, ids);
    tracer.startSpan('b').end();
    const [a, b] = exporter.getFinishedSpans();
    expect(a?.spanContext().spanId).toBe('1111111111111111');
    expect(b?.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(b?.spanContext().spanId).not.toBe('1111111111111111');
  });

  it('forgets the queued id when the tracer does not ask this generator for it', () => {
    const ids = createQueuedIdGenerator();
    const noop = new BasicTracerProvider({ idGenerator: createQueuedIdGenerator() }).getTracer('other');
    const parent = { traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    recordFinishedSpan(noop, { name: 'a', kind: SpanKind.SERVER, parent, spanId: '2222222222222222', startMs: 1, endMs: 2 }, ids);
    expect(ids.generateSpanId()).not.toBe('2222222222222222');
  });
});
