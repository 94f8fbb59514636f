import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { queuedIdGenerator } from '@tide/telemetry';
import type { InvocationRecord } from '@tide/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLateSpans, recordPodSpan } from './pod-spans.js';
import type { PodRunSpec } from './pod-types.js';

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  // As startTelemetry's SDK: ids through the queued generator.
  trace.setGlobalTracerProvider(new BasicTracerProvider({ idGenerator: queuedIdGenerator, spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => trace.disable());

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const pod = { name: 'hello-00001-abcde', namespace: 'default', functionName: 'hello', revision: 'hello-00001' } as PodRunSpec;
const call: InvocationRecord = {
  traceparent: `00-${TRACE}-b7ad6b7169203331-01`,
  tracestate: 'v=1',
  spanId: '00f067aa0ba902b7',
  invocationId: 'req-1',
  trigger: 'pubsub',
  method: 'POST',
  path: '/orders',
  status: 200,
  startMs: 1_700_000_000_000,
  endMs: 1_700_000_000_040,
  first: true,
  droppedSpans: 3,
  spans: [
    {
      name: 'work',
      kind: 2,
      traceId: TRACE,
      spanId: '1111111111111111',
      parentSpanId: '00f067aa0ba902b7',
      startMs: 1_700_000_000_010,
      endMs: 1_700_000_000_030,
      attributes: { step: 1 },
      events: [{ name: 'halfway', timeMs: 1_700_000_000_020 }],
      status: { code: 2, message: 'nope' },
    },
  ],
};

describe('recording a pod’s spans in the node agent', () => {
  it('records the invoke span with the pod’s id and faas attributes, and the function’s spans as its children', () => {
    exporter.reset();
    recordPodSpan(pod, call);
    recordLateSpans(pod, { spans: [{ ...call.spans![0]!, name: 'late', spanId: '2222222222222222', status: undefined as never }] });
    const spans = new Map(exporter.getFinishedSpans().map((span) => [span.name, span]));
    const invoke = spans.get('invoke default/hello')!;
    expect(invoke.kind).toBe(SpanKind.SERVER);
    expect(invoke.spanContext()).toMatchObject({ traceId: TRACE, spanId: '00f067aa0ba902b7' });
    expect(invoke.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(invoke.spanContext().traceState?.get('v')).toBe('1');
    expect(invoke.attributes).toMatchObject({
      'faas.trigger': 'pubsub',
      'faas.invocation_id': 'req-1',
      'faas.coldstart': true,
      'http.request.method': 'POST',
      'url.path': '/orders',
      'http.response.status_code': 200,
      'tide.pod': expect.stringContaining('abcde'),
      'tide.spans_dropped': 3,
    });
    const work = spans.get('work')!;
    expect(work.kind).toBe(SpanKind.CLIENT);
    expect(work.spanContext()).toMatchObject({ traceId: TRACE, spanId: '1111111111111111' });
    expect(work.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(work.attributes).toEqual({ step: 1 });
    expect(work.events.map((e) => e.name)).toEqual(['halfway']);
    expect(work.status).toEqual({ code: SpanStatusCode.ERROR, message: 'nope' });
    expect(spans.get('late')?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(spans.get('late')?.spanContext().spanId).toBe('2222222222222222');
  });
});
