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
let routes: FakeRouteTable;

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  upstream = await echoUpstream();
  routes = new FakeRouteTable();
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

    await waitFor(() => exporter.getFinishedSpans().length === 2);
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
    const hop = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT);
    expect(span?.name).toBe('gateway /fn/default/hello');
    expect(span?.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
    // The pod is called by the CLIENT span of the hop, a child of the gateway's SERVER span.
    expect(hop?.name).toBe('GET');
    expect(hop?.spanContext().spanId).toBe(spanId);
    expect(hop?.parentSpanContext?.spanId).toBe(span?.spanContext().spanId);
    expect(hop?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'tide.pod': 'hello-00001-abcde',
      'server.address': '127.0.0.1',
    });
    expect(hop?.events.map((e) => e.name)).toEqual(['first byte']);
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
    await waitFor(() => exporter.getFinishedSpans().length === 2);
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
    const hop = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT);
    expect(echoed.headers.traceparent).toBe(`00-${span?.spanContext().traceId}-${hop?.spanContext().spanId}-01`);
    expect(span?.parentSpanContext).toBeUndefined();
  });

  it('holds a call for a function with no pod in a `hold` span, and reports its trace context as the wake of the scale decision', async () => {
    exporter.reset();
    routes.set('default', 'cold', []);
    const answered = request(`${gw.url}/fn/default/cold`, { dispatcher: client, headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` } });
    let wake: string | undefined;
    await waitFor(() => (wake = gw.gateway.collect().find((s) => s.name === 'cold')?.wake) !== undefined);
    routes.set('default', 'cold', [endpoint('cold-00001-abcde', upstream)]);
    const echoed = (await (await answered).body.json()) as EchoedRequest;
    await waitFor(() => exporter.getFinishedSpans().length === 3);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    const hold = spans.find((s) => s.name === 'hold')!;
    const hop = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    expect(hold.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(hold.attributes['tide.pod']).toBe('cold-00001-abcde');
    expect(wake).toBe(`00-${TRACE_ID}-${hold.spanContext().spanId}-01`);
    expect(hop.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(String(echoed.headers.traceparent).split('-')[2]).toBe(hop.spanContext().spanId);
    // The hop starts once the hold is over (the SDK's times are exact to about a millisecond).
    expect(hrMs(hop.startTime)).toBeGreaterThanOrEqual(hrMs(hold.endTime) - 1);
  });
});

const hrMs = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6;
