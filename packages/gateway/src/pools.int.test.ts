import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAfterEach, FakeRouteTable, echoUpstream, endpoint, startGateway, waitFor } from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000 });
const track = closeAfterEach();
afterAll(() => client.close());

const call = async (url: string) => {
  const res = await request(`${url}/fn/default/hello`, { dispatcher: client });
  await res.body.dump();
  return res.statusCode;
};

// Well under node's 5 s server keep-alive timeout, so only the gateway can have closed them.
const CLOSE_WITHIN_MS = 2_000;

describe('pooled connections to pods', () => {
  it('opens a pod connection only when a request needs it', async () => {
    const podA = await echoUpstream();
    track(podA);
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', [endpoint('hello-a', podA)]);
    const gw = track(await startGateway({ routes }));
    expect(podA.sockets.size).toBe(0);
    expect(await call(gw.url)).toBe(200);
    expect(podA.sockets.size).toBe(1);
  });

  it('closes the pool of an endpoint that left the routes, and keeps the others', async () => {
    const podA = await echoUpstream();
    const podB = await echoUpstream();
    track(podA);
    track(podB);
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', [endpoint('hello-a', podA)]);
    const gw = track(await startGateway({ routes }));
    expect(await call(gw.url)).toBe(200);
    expect(podA.sockets.size).toBe(1);

    routes.set('default', 'hello', [endpoint('hello-b', podB)]);
    await waitFor(() => podA.sockets.size === 0, CLOSE_WITHIN_MS);
    expect(await call(gw.url)).toBe(200);
    expect(podB.sockets.size).toBe(1);

    routes.set('default', 'hello', [endpoint('hello-b', podB)]); // an unrelated change
    expect(await call(gw.url)).toBe(200);
    expect(podB.sockets.size).toBe(1);
  });

  it('closes every pool on close()', async () => {
    const podA = await echoUpstream();
    track(podA);
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', [endpoint('hello-a', podA)]);
    const gw = track(await startGateway({ routes }));
    expect(await call(gw.url)).toBe(200);
    await gw.gateway.close();
    await waitFor(() => podA.sockets.size === 0, CLOSE_WITHIN_MS);
    expect(routes.listenerCount).toBe(0);
  });
});
