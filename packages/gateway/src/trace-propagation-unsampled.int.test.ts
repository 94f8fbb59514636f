import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoedRequest, FakeRouteTable, type RunningGateway, type RunningServer, echoUpstream, endpoint, startGateway } from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000 });
let upstream: RunningServer;
let gw: RunningGateway;

beforeAll(async () => {
  // An SDK that samples nothing: what 1 % sampling does to 99 calls in 100.
  trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler: new AlwaysOffSampler() }));
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

describe('an unsampled trace', () => {
  it("of the gateway's own is not handed to the pod (it would only cost the pod a trace context per call)", async () => {
    const res = await request(`${gw.url}/fn/default/hello`, { dispatcher: client });
    const echoed = (await res.body.json()) as EchoedRequest;
    expect(echoed.headers.traceparent).toBeUndefined();
  });

  it("of the caller's goes on to the pod, still unsampled", async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const res = await request(`${gw.url}/fn/default/hello`, { dispatcher: client, headers: { traceparent } });
    const echoed = (await res.body.json()) as EchoedRequest;
    const [, traceId, , flags] = String(echoed.headers.traceparent).split('-');
    expect([traceId, flags]).toEqual(['0af7651916cd43dd8448eb211c80319c', '00']);
  });
});
