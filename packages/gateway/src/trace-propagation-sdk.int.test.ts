import { SpanKind, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EchoedRequest,
  FakeRouteTable,
  type RunningGateway,
  type RunningServer,
  echoUpstream,
  endpoint,
  startGateway,
  waitFor,
} from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000 });
const exporter = new InMemorySpanExporter();
let upstream: RunningServer;
let gw: RunningGateway;

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  upstream = await echoUpstream();
  const routes = new FakeRouteTable();
  routes.set('default', 'hello', [endpoint('hello-00001-abcde', upstream)]);
  gw = await startGateway({ routes });
});
afterAll(async () => {
  await upstream.close();
  await gw.close();
  await client.close();
  trace.disable();
  propagation.disable();
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN_ID = 'b7ad6b7169203331';

describe('trace context with a registered SDK', () => {
  it("makes the pod's work a child of a gateway span in the caller's trace", async () => {
    exporter.reset();
    const res = await request(`${gw.url}/fn/default/hello/path`, {
      dispatcher: client,
      headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` },
    });
    const echoed = (await res.body.json()) as EchoedRequest;
    const [version, traceId, spanId, flags] = String(echoed.headers.traceparent).split('-');
    expect(version).toBe('00');
    expect(traceId).toBe(TRACE_ID);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(CALLER_SPAN_ID);
    expect(flags).toBe('01');
    expect(echoed.rawHeaders.filter((name) => name.toLowerCase() === 'traceparent')).toHaveLength(1);

    await waitFor(() => exporter.getFinishedSpans().length === 1);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('gateway /fn/default/hello');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().spanId).toBe(spanId);
    expect(span?.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
    expect(span?.attributes).toMatchObject({
      'tide.function': 'hello',
      'tide.namespace': 'default',
      'tide.pod': 'hello-00001-abcde',
      'http.response.status_code': 200,
    });
  });

  it('starts a new trace when the caller sent none', async () => {
    exporter.reset();
    const res = await request(`${gw.url}/fn/default/hello`, { dispatcher: client });
    const echoed = (await res.body.json()) as EchoedRequest;
    await waitFor(() => exporter.getFinishedSpans().length === 1);
    const span = exporter.getFinishedSpans()[0];
    expect(echoed.headers.traceparent).toBe(`00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`);
    expect(span?.parentSpanContext).toBeUndefined();
  });
});
