import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { serveFunction, type ServedFunction } from './serve-function.js';

/** The Workers contract as a served function sees it: request.url, globals, ctx, scheduled and queue. */
const servers: ServedFunction[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(module: unknown): Promise<string> {
  const served = await serveFunction(module, { port: 0, host: '127.0.0.1', timeoutMs: 5_000, env: { NAME: 'tide' } });
  servers.push(served);
  return `http://127.0.0.1:${served.port}`;
}

/** What the gateway adds to a call to https://api.test/fn/default/app/... */
const viaGateway = { 'x-forwarded-host': 'api.test', 'x-forwarded-proto': 'https', 'x-forwarded-prefix': '/fn/default/app' };

function todoApp() {
  const app = new Hono();
  app.get('/todos', (c) => c.json({ url: c.req.url, prefix: c.req.header('x-forwarded-prefix') ?? null }));
  app.get('/old', (c) => c.redirect('/todos'));
  app.get('/elsewhere', () => Response.redirect(new URL('/todos?from=elsewhere', 'https://api.test/'), 301));
  return app;
}

describe('request.url', () => {
  it("is the caller's scheme and host with the path after the /fn prefix, so a hono app's routes match", async () => {
    const url = await serve({ default: todoApp() });
    const response = await fetch(`${url}/todos?done=1`, { headers: viaGateway });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ url: 'https://api.test/todos?done=1', prefix: '/fn/default/app' });
  });

  it("is exactly the caller's URL at the function's own host", async () => {
    const url = await serve({ default: { fetch: (request: Request) => new Response(request.url) } });
    const response = await fetch(`${url}/a?b=1`, { headers: { 'x-forwarded-host': 'app.default.example.com', 'x-forwarded-proto': 'https' } });
    expect(await response.text()).toBe('https://app.default.example.com/a?b=1');
  });

  it('is the pod address for a direct call', async () => {
    const url = await serve({ default: { fetch: (request: Request) => new Response(request.url) } });
    expect(await (await fetch(`${url}/a`)).text()).toBe(`${url}/a`);
  });

  it("sends a redirect to the function's own origin back under the /fn prefix", async () => {
    const url = await serve({ default: todoApp() });
    const relative = await fetch(`${url}/old`, { headers: viaGateway, redirect: 'manual' });
    expect([relative.status, relative.headers.get('location')]).toEqual([302, '/fn/default/app/todos']);
    const absolute = await fetch(`${url}/elsewhere`, { headers: viaGateway, redirect: 'manual' });
    expect([absolute.status, absolute.headers.get('location')]).toEqual([301, 'https://api.test/fn/default/app/todos?from=elsewhere']);
  });
});

describe("the function's globals", () => {
  it("are Node's own: new Response(null, 'x') throws as everywhere else", async () => {
    const url = await serve({
      default: {
        fetch() {
          try {
            new Response(null, 'x' as unknown as ResponseInit);
            return new Response('accepted');
          } catch (error) {
            return new Response(`threw ${(error as Error).name}`);
          }
        },
      },
    });
    expect(await (await fetch(url)).text()).toBe('threw TypeError');
  });
});

describe('ctx.passThroughOnException', () => {
  it('answers 502 naming that there is no origin when the function throws after calling it', async () => {
    const url = await serve({
      default: {
        fetch(_request: Request, _env: unknown, ctx: { passThroughOnException(): void }) {
          ctx.passThroughOnException();
          throw new Error('boom');
        },
      },
    });
    const response = await fetch(url);
    expect(response.status).toBe(502);
    expect(await response.text()).toBe(
      'function threw Error: boom after passThroughOnException(): a Tide function has no origin to pass the request through to',
    );
  });

  it('changes nothing for a function that does not throw', async () => {
    const url = await serve({
      default: {
        fetch(_request: Request, _env: unknown, ctx: { passThroughOnException(): void }) {
          ctx.passThroughOnException();
          return new Response('fine');
        },
      },
    });
    const response = await fetch(url);
    expect([response.status, await response.text()]).toEqual([200, 'fine']);
  });
});

const invoke = (url: string, kind: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'tide-invoke': kind, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('scheduled and queue handlers', () => {
  it('calls scheduled with a Workers-shaped controller, env and ctx', async () => {
    const seen: unknown[] = [];
    const url = await serve({
      default: {
        scheduled(controller: { cron: string; scheduledTime: number; type: string; noRetry(): void }, env: Record<string, string>, ctx: object) {
          seen.push({ cron: controller.cron, scheduledTime: controller.scheduledTime, type: controller.type, name: env.NAME, waitUntil: 'waitUntil' in ctx });
          controller.noRetry();
        },
      },
    });
    const response = await invoke(url, 'scheduled', { cron: '0 * * * *', scheduledTime: 1_700_000_000_000 });
    expect([response.status, await response.json()]).toEqual([200, { outcome: 'ok', noRetry: true }]);
    expect(seen).toEqual([{ cron: '0 * * * *', scheduledTime: 1_700_000_000_000, type: 'scheduled', name: 'tide', waitUntil: true }]);
  });

  it('calls queue with a batch and answers which messages were acked and which must be retried', async () => {
    const url = await serve({
      default: {
        queue(batch: { queue: string; messages: { id: string; body: { ok: boolean }; ack(): void; retry(o?: object): void }[] }) {
          for (const message of batch.messages) message.body.ok ? message.ack() : message.retry({ delaySeconds: 10 });
        },
      },
    });
    const messages = [
      { id: 'm1', timestamp: 1, body: { ok: true }, attempts: 1 },
      { id: 'm2', timestamp: 2, body: { ok: false }, attempts: 3 },
    ];
    const response = await invoke(url, 'queue', { queue: 'orders', messages });
    expect([response.status, await response.json()]).toEqual([200, { outcome: 'ok', acked: ['m1'], retried: [{ id: 'm2', delaySeconds: 10 }] }]);
  });

  it('retries the messages not acked when queue throws, and says why', async () => {
    const url = await serve({
      default: {
        queue(batch: { messages: { ack(): void }[] }) {
          batch.messages[0]?.ack();
          throw new Error('database down');
        },
      },
    });
    const messages = ['m1', 'm2'].map((id) => ({ id, timestamp: 1, body: null, attempts: 1 }));
    const response = await invoke(url, 'queue', { queue: 'orders', messages });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ outcome: 'exception', error: 'function threw Error: database down', acked: ['m1'], retried: [{ id: 'm2' }] });
  });

  it('answers 501 naming the handler a module lacks', async () => {
    const url = await serve({ default: { scheduled() {} } });
    const call = await fetch(url);
    expect([call.status, await call.text()]).toEqual([501, 'function has no fetch handler']);
    const queued = await invoke(url, 'queue', { queue: 'q', messages: [] });
    expect([queued.status, await queued.text()]).toEqual([501, 'function has no queue handler']);
  });

  it('answers 400 naming the field of a bad event body, without calling the handler', async () => {
    let called = false;
    const url = await serve({
      default: {
        scheduled() {
          called = true;
        },
      },
    });
    const response = await invoke(url, 'scheduled', { cron: '* * * * *' });
    expect([response.status, await response.text()]).toEqual([400, 'tide-invoke body: scheduledTime must be a number']);
    expect(called).toBe(false);
  });

  it('refuses a module with no fetch, scheduled or queue handler', async () => {
    await expect(serveFunction({ default: { notFetch: 1 } }, { timeoutMs: 1000 })).rejects.toThrow('module has no fetch, scheduled or queue handler');
  });
});
