import { Agent, request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type EchoedRequest, FakeRouteTable, type RunningGateway, type RunningServer, echoUpstream, endpoint, startGateway } from './test-support/harness.js';

// No OpenTelemetry SDK is registered in this file: the API is a no-op.
const client = new Agent({ keepAliveTimeout: 1_000 });
let upstream: RunningServer | undefined;
let gw: RunningGateway | undefined;
afterEach(async () => {
  await upstream?.close();
  await gw?.close();
});
afterAll(() => client.close());

describe('trace context without an SDK', () => {
  it('forwards an incoming traceparent and tracestate unchanged', async () => {
    upstream = await echoUpstream();
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', [endpoint('hello-00001-abcde', upstream)]);
    gw = await startGateway({ routes });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await request(`${gw.url}/fn/default/hello`, {
      dispatcher: client,
      headers: { traceparent, tracestate: 'congo=t61rcWkgMzE' },
    });
    const echoed = (await res.body.json()) as EchoedRequest;
    expect(echoed.headers.traceparent).toBe(traceparent);
    expect(echoed.headers.tracestate).toBe('congo=t61rcWkgMzE');
  });
});
