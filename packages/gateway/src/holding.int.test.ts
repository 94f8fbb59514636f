import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { latencyQuantileMs } from '@tide/core';
import { closeAfterEach, FakeRouteTable, type RunningServer, echoUpstream, endpoint, startGateway, startServer, waitFor } from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000, connections: 64 });
const track = closeAfterEach();
afterAll(() => client.close());

async function upstream(server: Promise<RunningServer>): Promise<RunningServer> {
  const running = await server;
  track(running);
  return running;
}

/** An upstream that answers after `delayMs` and records how many requests it had at once. */
async function countingUpstream(delayMs: number) {
  const seen = { current: 0, max: 0, total: 0, order: [] as string[] };
  const server = await upstream(
    startServer((req, res) => {
      seen.current += 1;
      seen.total += 1;
      seen.max = Math.max(seen.max, seen.current);
      seen.order.push(String(req.headers['x-seq']));
      setTimeout(() => {
        seen.current -= 1;
        res.end('ok');
      }, delayMs);
    }),
  );
  return { server, seen };
}

const call = (url: string, headers: Record<string, string> = {}) => request(`${url}/fn/default/hello`, { dispatcher: client, headers });

describe('holding requests while no pod is ready', () => {
  it('releases a held request the moment the route gains an endpoint', async () => {
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', []);
    const gw = track(await startGateway({ routes }));
    const pending = call(gw.url);
    await waitFor(() => gw.gateway.stats().inFlight === 1);
    routes.set('default', 'hello', [endpoint('hello-00001-abcde', await upstream(echoUpstream()))]);
    const res = await pending;
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });

  it('answers 503 with the reason at once when every pod of the function has failed to start', async () => {
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', [], 5_000, 'pod hello-00001-abcde exited (import failed: Error: boom), restart 1');
    const gw = track(await startGateway({ routes }));
    const res = await call(gw.url);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(await res.body.json()).toEqual({
      error: 'function default/hello has no pod that can serve: pod hello-00001-abcde exited (import failed: Error: boom), restart 1',
    });
  });

  it('fails held requests with 503 and the reason when the starting pod fails', async () => {
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', []);
    const gw = track(await startGateway({ routes }));
    const pending = call(gw.url);
    await waitFor(() => gw.gateway.stats().inFlight === 1);
    routes.set('default', 'hello', [], 5_000, 'pod hello-00001-abcde exited (exited with code 1), restart 1');
    const res = await pending;
    expect(res.statusCode).toBe(503);
    expect(((await res.body.json()) as { error: string }).error).toMatch(/exited with code 1/);
  });

  it('answers 503 with Retry-After once holdTimeoutMs passes', async () => {
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', []);
    const gw = track(await startGateway({ routes, holdTimeoutMs: 150 }));
    const res = await call(gw.url);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['content-type']).toBe('application/json');
    expect(await res.body.json()).toEqual({ error: 'no pod of default/hello became ready within 150 ms' });
    expect(gw.gateway.stats().inFlight).toBe(0);
  });

  it("holds for the function's timeout when no holdTimeoutMs is given", async () => {
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', [], 250);
    const gw = track(await startGateway({ routes }));
    const started = Date.now();
    const res = await call(gw.url);
    expect(res.statusCode).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    await res.body.dump();
  });

  it('answers held requests with 404 when their function is deleted', async () => {
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', []);
    const gw = track(await startGateway({ routes }));
    const pending = call(gw.url);
    await waitFor(() => gw.gateway.stats().inFlight === 1);
    routes.delete('default', 'hello');
    const res = await pending;
    expect(res.statusCode).toBe(404);
    expect(await res.body.json()).toEqual({ error: 'function default/hello not found' });
  });

  it('forgets a held request whose client went away', async () => {
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', []);
    const gw = track(await startGateway({ routes }));
    const abort = new AbortController();
    const pending = request(`${gw.url}/fn/default/hello`, { dispatcher: client, signal: abort.signal });
    await waitFor(() => gw.gateway.stats().inFlight === 1);
    abort.abort();
    await expect(pending).rejects.toThrow();
    await waitFor(() => gw.gateway.stats().inFlight === 0);
    const { server, seen } = await countingUpstream(0);
    routes.set('default', 'hello', [endpoint('hello-00001-abcde', server)]);
    const res = await call(gw.url, { 'x-seq': 'after' });
    await res.body.dump();
    expect(seen.order).toEqual(['after']);
  });

  it('answers 429 at once when the waiting line is full', async () => {
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', []);
    const gw = track(await startGateway({ routes, maxWaitingPerFunction: 1, holdTimeoutMs: 2_000 }));
    const first = call(gw.url);
    await waitFor(() => gw.gateway.stats().inFlight === 1);
    const second = await call(gw.url);
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    expect(((await second.body.json()) as { error: string }).error).toContain('too many requests waiting');
    routes.set('default', 'hello', [endpoint('hello-00001-abcde', await upstream(echoUpstream()))]);
    expect((await first).statusCode).toBe(200);
  });
});

describe('telling the autoscaler', () => {
  it('reports a cold request at once', async () => {
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', []);
    const cold: string[] = [];
    const gw = track(await startGateway({ routes, holdTimeoutMs: 200, onColdRequest: (ns, name) => cold.push(`${ns}/${name}`) }));
    const res = await call(gw.url);
    await res.body.dump();
    expect(cold).toEqual(['default/hello']);
  });

  it('collects average in-flight requests, arrivals and waiting requests per function', async () => {
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', []);
    const gw = track(await startGateway({ routes, holdTimeoutMs: 5_000 }));
    gw.gateway.collect();
    const pending = [call(gw.url), call(gw.url)];
    await waitFor(() => gw.gateway.stats().inFlight === 2);
    await new Promise((r) => setTimeout(r, 100));
    const [sample] = gw.gateway.collect();
    expect(sample).toMatchObject({ namespace: 'default', name: 'hello', requests: 2, waiting: 2, coldStarts: 2, completed: 0 });
    expect(sample!.concurrency).toBeGreaterThan(1);
    expect(sample!.concurrency).toBeLessThanOrEqual(2);
    routes.set('default', 'hello', [endpoint('hello-00001-abcde', await upstream(echoUpstream()))]);
    for (const res of await Promise.all(pending)) await res.body.dump();
    await waitFor(() => gw.gateway.stats().inFlight === 0);
    const [served] = gw.gateway.collect();
    // Answered after waiting ≥ 100 ms: both in buckets of 100 ms or more (tide top's p50).
    expect(served).toMatchObject({ requests: 0, completed: 2, errors: 0, coldStarts: 0 });
    expect(latencyQuantileMs(served!.latencyBuckets, 0.5)).toBeGreaterThanOrEqual(100);
    expect(gw.gateway.collect()).toEqual([]);
  });
});

describe('concurrency and load balancing', () => {
  it('never sends a pod more than its concurrency, and every caller is served', async () => {
    const { server, seen } = await countingUpstream(20);
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', [endpoint('hello-00001-abcde', server, 2)]);
    // More connections than the limit, so the gateway's own accounting is what holds it.
    const gw = track(await startGateway({ routes, connectionsPerPod: 10 }));
    const url = gw.url;
    const responses = await Promise.all(Array.from({ length: 20 }, () => call(url)));
    for (const res of responses) {
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }
    expect(seen.total).toBe(20);
    expect(seen.max).toBe(2);
  });

  it('serves waiting requests first come, first served', async () => {
    let release: () => void = () => undefined;
    const order: string[] = [];
    const server = await upstream(
      startServer((req, res) => {
        const seq = String(req.headers['x-seq']);
        order.push(seq);
        if (seq === 'blocker') release = () => res.end('ok');
        else res.end('ok');
      }),
    );
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', [endpoint('hello-00001-abcde', server, 1)]);
    const gw = track(await startGateway({ routes, connectionsPerPod: 10 }));
    const url = gw.url;
    const blocker = call(url, { 'x-seq': 'blocker' });
    await waitFor(() => order.length === 1);
    const waiting = [];
    for (let i = 1; i <= 5; i++) {
      waiting.push(call(url, { 'x-seq': String(i) }));
      await waitFor(() => gw.gateway.stats().inFlight === i + 1);
    }
    release();
    for (const res of await Promise.all([blocker, ...waiting])) await res.body.dump();
    expect(order).toEqual(['blocker', '1', '2', '3', '4', '5']);
  });

  it('spreads concurrent load across pods', async () => {
    const pods = await Promise.all([countingUpstream(15), countingUpstream(15), countingUpstream(15)]);
    const routes = new FakeRouteTable();
    routes.set(
      'default',
      'hello',
      pods.map(({ server }, i) => endpoint(`hello-00001-pod${i}`, server, 100)),
    );
    const gw = track(await startGateway({ routes }));
    const url = gw.url;
    const responses = await Promise.all(Array.from({ length: 45 }, () => call(url)));
    for (const res of responses) await res.body.dump();
    const totals = pods.map(({ seen }) => seen.total);
    expect(totals.reduce((a, b) => a + b)).toBe(45);
    for (const total of totals) expect(total).toBeGreaterThanOrEqual(5);
  });
});
