import { PassThrough } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { NamespaceLimiter, type NamespaceQuota } from '@tide/core';
import type { FunctionRoute } from './route-table.js';
import { createAsyncCalls } from './async-calls.js';
import type { MetricsLog } from './load-reporter.js';
import { closeAfterEach, type RunningServer, echoUpstream, endpoint, FakeRouteTable, startGateway, startServer, waitFor } from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000 });
const track = closeAfterEach();
afterAll(() => client.close());

const limits = { requestBodyBytes: 1_000, responseBodyBytes: 2_000 };

async function gatewayTo(upstream: RunningServer, options: { quotaOf?: (ns: string) => NamespaceQuota | undefined; nowMs?: () => number } = {}) {
  track(upstream);
  const routes = new FakeRouteTable();
  const route: FunctionRoute = { namespace: 'default', name: 'hello', endpoints: [endpoint('hello-00001-abcde', upstream)], timeoutMs: 5_000, limits };
  routes.put(route);
  const limiter = options.quotaOf === undefined ? undefined : new NamespaceLimiter('invocations', options.quotaOf);
  const nowMs = options.nowMs ?? (() => 0);
  return track(await startGateway({ routes, ...(limiter === undefined ? {} : { invocationLimit: (ns: string) => limiter.take(ns, nowMs()) }) }));
}

/** An upstream that counts the requests that reached it. */
async function countingUpstream(): Promise<{ server: RunningServer; reached: () => number }> {
  let reached = 0;
  const server = await startServer((req, res) => {
    reached++;
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  return { server, reached: () => reached };
}

describe('request body limits (spec.limits.requestBodyBytes)', () => {
  it('answers 413 naming the limit when Content-Length is over it, without calling the pod', async () => {
    const upstream = await countingUpstream();
    const { url } = await gatewayTo(upstream.server);
    const res = await request(`${url}/fn/default/hello/`, { dispatcher: client, method: 'POST', body: Buffer.alloc(1_001) });
    expect(res.statusCode).toBe(413);
    expect(res.headers['tide-error']).toBe('gateway');
    expect(await res.body.json()).toEqual({
      error: 'request body of 1001 bytes or more exceeds the limit of 1000 bytes for function default/hello (spec.limits.requestBodyBytes)',
    });
    expect(upstream.reached()).toBe(0);
  });

  it('passes a body exactly at the limit', async () => {
    const { url } = await gatewayTo(await echoUpstream());
    const res = await request(`${url}/fn/default/hello/`, { dispatcher: client, method: 'POST', body: Buffer.alloc(1_000, 7) });
    expect(res.statusCode).toBe(200);
    const echoed = (await res.body.json()) as { body: string };
    expect(Buffer.from(echoed.body, 'base64')).toEqual(Buffer.alloc(1_000, 7));
  });

  it('answers 413 when a chunked body (no Content-Length) streams past the limit', async () => {
    const { url } = await gatewayTo(await echoUpstream());
    const body = new PassThrough();
    const pending = request(`${url}/fn/default/hello/`, { dispatcher: client, method: 'POST', body });
    body.write(Buffer.alloc(600));
    body.write(Buffer.alloc(600));
    const res = await pending;
    body.destroy();
    expect(res.statusCode).toBe(413);
    expect(((await res.body.json()) as { error: string }).error).toContain('exceeds the limit of 1000 bytes for function default/hello');
  });
});

describe('response body limits (spec.limits.responseBodyBytes)', () => {
  it('answers 502 naming the limit when the pod declares a longer body', async () => {
    const upstream = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': 2_001 });
      res.end(Buffer.alloc(2_001));
    });
    const { url } = await gatewayTo(upstream);
    const res = await request(`${url}/fn/default/hello/`, { dispatcher: client });
    expect(res.statusCode).toBe(502);
    expect(await res.body.json()).toEqual({
      error: 'response body of 2001 bytes or more exceeds the limit of 2000 bytes for function default/hello (spec.limits.responseBodyBytes)',
    });
  });

  it('lets a HEAD answer declare a length over the limit (it sends no body)', async () => {
    const upstream = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': 2_001 });
      res.end();
    });
    const { url } = await gatewayTo(upstream);
    const res = await request(`${url}/fn/default/hello/`, { dispatcher: client, method: 'HEAD' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('2001');
    await res.body.dump();
  });

  it('cuts a streamed response at the limit: the caller sees an incomplete body, never the bytes past it', async () => {
    const upstream = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(1_500));
      res.end(Buffer.alloc(1_500));
    });
    const { url, gateway } = await gatewayTo(upstream);
    const res = await request(`${url}/fn/default/hello/`, { dispatcher: client });
    expect(res.statusCode).toBe(200);
    let received = 0;
    await expect(
      (async () => {
        for await (const chunk of res.body) received += (chunk as Buffer).length;
      })(),
    ).rejects.toThrow();
    expect(received).toBeLessThanOrEqual(2_000);
    await waitFor(() => gateway.stats().inFlight === 0);
  });

  it('passes a response exactly at the limit', async () => {
    const upstream = await startServer((_req, res) => {
      res.write(Buffer.alloc(1_000));
      res.end(Buffer.alloc(1_000));
    });
    const { url } = await gatewayTo(upstream);
    const res = await request(`${url}/fn/default/hello/`, { dispatcher: client });
    expect(res.statusCode).toBe(200);
    expect((await res.body.arrayBuffer()).byteLength).toBe(2_000);
  });
});

describe('invocation rate limits (namespace quota invocationsPerSecond)', () => {
  it('answers 429 with Retry-After once the namespace has used its burst, and lets calls through again after a refill', async () => {
    let now = 0;
    const upstream = await countingUpstream();
    const { url } = await gatewayTo(upstream.server, {
      quotaOf: (ns) => (ns === 'default' ? { invocationsPerSecond: 1, invocationsBurst: 2 } : undefined),
      nowMs: () => now,
    });
    const call = () => request(`${url}/fn/default/hello/`, { dispatcher: client });
    for (let i = 0; i < 2; i++) {
      const ok = await call();
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();
    }
    const limited = await call();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(((await limited.body.json()) as { error: string }).error).toBe(
      'namespace default is over its rate limit of 1 invocations per second (quota invocationsPerSecond, burst 2); retry after 1 s',
    );
    expect(upstream.reached()).toBe(2);
    now += 1_000;
    const again = await call();
    expect(again.statusCode).toBe(200);
    await again.body.dump();
  });
});

describe('invocation rate limits: who draws on the bucket', () => {
  it("does not count calls from Tide's own components (their async call was counted when accepted)", async () => {
    const upstream = await countingUpstream();
    track(upstream.server);
    const routes = new FakeRouteTable();
    routes.put({ namespace: 'default', name: 'hello', endpoints: [endpoint('hello-00001-abcde', upstream.server)], timeoutMs: 5_000, limits });
    const limiter = new NamespaceLimiter('invocations', () => ({ invocationsPerSecond: 1, invocationsBurst: 1 }));
    const { url } = track(await startGateway({ routes, componentToken: 'secret', invocationLimit: (ns) => limiter.take(ns, 0) }));
    const caller = await request(`${url}/fn/default/hello/`, { dispatcher: client });
    expect(caller.statusCode).toBe(200);
    await caller.body.dump();
    for (let i = 0; i < 3; i++) {
      const component = await request(`${url}/fn/default/hello/`, { dispatcher: client, headers: { 'tide-component-token': 'secret' } });
      expect(component.statusCode).toBe(200);
      await component.body.dump();
    }
    const limited = await request(`${url}/fn/default/hello/`, { dispatcher: client });
    expect(limited.statusCode).toBe(429);
    await limited.body.dump();
    expect(upstream.reached()).toBe(4);
  });

  it('answers an async call 429 with Retry-After from the same bucket, storing nothing', async () => {
    const appended: unknown[] = [];
    const log = { append: async (_topic: string, records: unknown[]) => (appended.push(...records), records.map((_, i) => i)) };
    const routes = new FakeRouteTable();
    routes.set('default', 'hello', []);
    const limiter = new NamespaceLimiter('invocations', () => ({ invocationsPerSecond: 1, invocationsBurst: 1 }));
    const calls = createAsyncCalls({ routes, log: log as unknown as MetricsLog, invocationLimit: (ns) => limiter.take(ns, 0) });
    const { url } = track(await startServer((req, res) => void (calls.handle(req, res) || res.writeHead(418).end())));
    const first = await request(`${url}/async/default/hello/`, { dispatcher: client, method: 'POST', body: 'a' });
    expect(first.statusCode).toBe(202);
    await first.body.dump();
    const second = await request(`${url}/async/default/hello/`, { dispatcher: client, method: 'POST', body: 'b' });
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    expect(((await second.body.json()) as { error: string }).error).toContain('namespace default is over its rate limit of 1 invocations per second');
    expect(appended).toHaveLength(1);
  });
});
