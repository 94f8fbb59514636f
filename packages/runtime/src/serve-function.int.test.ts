import { afterEach, describe, expect, it, vi } from 'vitest';
import { Hono } from 'hono';
import { serveFunction, type ServedFunction } from './serve-function.js';
import type { FetchHandler } from './function-handler.js';
import type { InvocationRecord } from './runtime-config.js';

const servers: ServedFunction[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(module: unknown, options: { timeoutMs?: number; env?: Record<string, string> } = {}) {
  const served = await serveFunction(module, { port: 0, host: '127.0.0.1', timeoutMs: options.timeoutMs ?? 5_000, env: options.env ?? {} });
  servers.push(served);
  return `http://127.0.0.1:${served.port}`;
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('serveFunction', () => {
  it('serves a text response from `export default { fetch }`', async () => {
    const url = await serve({ default: { fetch: () => new Response('hello') } });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  });

  it('accepts a default export that is itself a handler, and passes env and ctx', async () => {
    const handler: FetchHandler = (_request, env, ctx) =>
      Response.json({ greeting: env.GREETING, requestId: ctx.requestId, deadlineInFuture: ctx.deadline > Date.now() });
    const url = await serve({ default: handler }, { env: { GREETING: 'hi' } });
    const body = await (await fetch(url, { headers: { 'x-request-id': 'req-1' } })).json();
    expect(body).toEqual({ greeting: 'hi', requestId: 'req-1', deadlineInFuture: true });
  });

  it('runs a hono app unchanged', async () => {
    const app = new Hono<{ Bindings: { NAME: string } }>();
    app.get('/hello/:who', (c) => c.text(`hello ${c.req.param('who')} from ${c.env.NAME}`));
    const url = await serve({ default: app }, { env: { NAME: 'tide' } });
    expect(await (await fetch(`${url}/hello/ada`)).text()).toBe('hello ada from tide');
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  it('passes method, path, query, headers (traceparent untouched) and body through', async () => {
    const url = await serve({
      default: {
        async fetch(request: Request) {
          const { pathname, search } = new URL(request.url);
          return Response.json({
            method: request.method,
            pathname,
            search,
            traceparent: request.headers.get('traceparent'),
            custom: request.headers.get('x-custom'),
            body: await request.text(),
          });
        },
      },
    });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await fetch(`${url}/a/b?c=1`, { method: 'PUT', headers: { traceparent, 'x-custom': 'yes' }, body: 'payload' });
    expect(await response.json()).toEqual({ method: 'PUT', pathname: '/a/b', search: '?c=1', traceparent, custom: 'yes', body: 'payload' });
  });

  it('round-trips a 5 MB binary body byte for byte', async () => {
    const url = await serve({
      default: { fetch: (request: Request) => new Response(request.body, { headers: { 'content-type': 'application/octet-stream' } }) },
    });
    const sent = new Uint8Array(5 * 1024 * 1024);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 31 + (i >> 11)) & 0xff;
    const response = await fetch(url, { method: 'POST', body: sent });
    const received = new Uint8Array(await response.arrayBuffer());
    expect(received.length).toBe(sent.length);
    expect(Buffer.compare(received, sent)).toBe(0);
  });

  it('answers 500 naming the error, without the stack, when the function throws', async () => {
    const url = await serve({
      default: {
        fetch: () => {
          throw new TypeError('boom at line 3');
        },
      },
    });
    const response = await fetch(url);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toBe('function threw TypeError: boom at line 3');
  });

  it('answers 500 when the function returns something that is not a Response', async () => {
    const url = await serve({ default: { fetch: async () => ({ hello: 'world' }) } });
    const response = await fetch(url);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('function returned an object (Object), not a Response');
  });

  it('answers 504 after the timeout and aborts request.signal', async () => {
    const aborted = deferred<unknown>();
    const url = await serve(
      {
        default: {
          fetch: (request: Request) =>
            new Promise<Response>(() => {
              request.signal.addEventListener('abort', () => aborted.resolve(request.signal.reason));
            }),
        },
      },
      { timeoutMs: 200 },
    );
    const response = await fetch(url);
    expect(response.status).toBe(504);
    expect(await response.text()).toBe('function timed out after 0.2s');
    expect(String(await aborted.promise)).toContain('timed out');
  });

  it('streams the response body as the function produces it', async () => {
    const gate = deferred();
    const url = await serve({
      default: {
        fetch: () =>
          new Response(
            new ReadableStream<Uint8Array>({
              async start(controller) {
                controller.enqueue(new TextEncoder().encode('first;'));
                await gate.promise; // the second chunk only exists after the client saw the first
                controller.enqueue(new TextEncoder().encode('second'));
                controller.close();
              },
            }),
          ),
      },
    });
    const response = await fetch(url);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first;');
    gate.resolve();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('second');
  });

  it('answers the readiness probe itself, without calling the function', async () => {
    let calls = 0;
    const url = await serve({ default: { fetch: () => (calls++, new Response('fn')) } });
    const response = await fetch(url, { headers: { 'tide-probe': 'readiness' } });
    expect(response.status).toBe(200);
    expect(calls).toBe(0);
  });

  it('close() lets an in-flight request and waitUntil work finish', async () => {
    const arrived = deferred();
    const release = deferred();
    const background: string[] = [];
    const url = await serve({
      default: {
        async fetch(_request: Request, _env: unknown, ctx: { waitUntil(p: Promise<unknown>): void }) {
          arrived.resolve();
          await release.promise;
          ctx.waitUntil(new Promise((r) => setTimeout(r, 50)).then(() => background.push('flushed')));
          return new Response('finished');
        },
      },
    });
    const pending = fetch(url).then((r) => r.text());
    await arrived.promise;
    const closed = servers[0]!.close();
    release.resolve();
    expect(await pending).toBe('finished');
    await closed;
    expect(background).toEqual(['flushed']);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('rejects a module without a handler', async () => {
    await expect(serveFunction({ default: { notFetch: 1 } }, { timeoutMs: 1000 })).rejects.toThrow(/module has no fetch, scheduled or queue handler/);
  });
});

describe('serveFunction reporting traced calls', () => {
  it('reports each call with a sampled traceparent once its response has ended, and no other call', async () => {
    const records: InvocationRecord[] = [];
    const served = await serveFunction(
      { default: (request: Request) => new Response('x', { status: new URL(request.url).pathname === '/missing' ? 404 : 200 }) },
      {
        port: 0,
        host: '127.0.0.1',
        timeoutMs: 5_000,
        spans: { onInvocation: (record) => records.push(record), onSpans: () => {} },
      },
    );
    servers.push(served);
    const url = `http://127.0.0.1:${served.port}`;
    const sampled = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const before = Date.now();
    await (await fetch(`${url}/first?q=1`, { headers: { traceparent: sampled, tracestate: 'vendor=1' } })).text();
    await (await fetch(`${url}/untraced`)).text();
    await (await fetch(`${url}/unsampled`, { headers: { traceparent: sampled.replace(/-01$/, '-00') } })).text();
    await (await fetch(`${url}/missing`, { method: 'POST', body: 'b', headers: { traceparent: sampled, 'x-request-id': 'req-7' } })).text();
    // A record is written on the response's 'close', which follows its end: wait for both (bounded).
    await vi.waitFor(() => expect(records).toHaveLength(2), { timeout: 10_000, interval: 10 });
    expect(records).toEqual([
      {
        traceparent: sampled,
        tracestate: 'vendor=1',
        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
        invocationId: expect.any(String),
        trigger: 'http',
        method: 'GET',
        path: '/first',
        status: 200,
        startMs: expect.any(Number),
        endMs: expect.any(Number),
        first: true,
      },
      {
        traceparent: sampled,
        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
        invocationId: 'req-7',
        trigger: 'http',
        method: 'POST',
        path: '/missing',
        status: 404,
        startMs: expect.any(Number),
        endMs: expect.any(Number),
        first: false,
      },
    ]);
    expect(records[0]!.spanId).not.toBe(records[1]!.spanId);
    for (const r of records) {
      expect(r.startMs).toBeGreaterThanOrEqual(before - 1);
      expect(r.endMs).toBeGreaterThanOrEqual(r.startMs);
    }
  });
});
