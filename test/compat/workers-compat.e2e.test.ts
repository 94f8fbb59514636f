import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { Agent, request, WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * Workers and hono apps written as for Cloudflare (`export default { fetch }`, hono apps, wrangler
 * files naming `main`), deployed unchanged with `tide deploy`, and called at their host route
 * `<name>.default.localhost` (the app owns `/`, as on workers.dev) and, where the prefix matters, at
 * `/fn/default/<name>`. Each test states what Workers answers and asserts Tide answers the same.
 */
const APPS = join(repoRoot, 'test/compat/apps');

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;
let port: number;

async function deploy(app: string, ...flags: string[]) {
  const deployed = await runCli(['deploy', join(APPS, app), ...flags], { server: tide.url, timeoutMs: 120_000 });
  expect(deployed.code, `${deployed.stdout}\n${deployed.stderr}`).toBe(0);
}

/** `tide apply` of the deployed function with a KV namespace bound as CACHE (deploy keeps the spec it finds). */
async function bindKv(app: string, namespace: string) {
  const res = await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/${app}`, { headers: tide.headers });
  const fn = (await res.body.json()) as { spec: Record<string, unknown> };
  const manifest = { apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: app }, spec: { ...fn.spec, bindings: [{ name: 'CACHE', kv: namespace }] } };
  const file = join(dir.path, `${app}.json`);
  await writeFile(file, JSON.stringify(manifest));
  const applied = await runCli(['apply', '-f', file], { server: tide.url });
  expect(applied.code, applied.stderr).toBe(0);
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A call at the app's host route, with the Host header a browser would send for <app>.default.localhost. */
async function atHost(
  app: string,
  path: string,
  init: { method?: 'GET' | 'POST' | 'PUT'; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await request(`${tide.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { host: `${app}.default.localhost:${port}`, ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
    headersTimeout: 60_000,
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** A call through the path route /fn/default/<app>. */
async function atPrefix(app: string, path: string): Promise<Answer> {
  const res = await request(`${tide.url}/fn/default/${app}${path}`, { headersTimeout: 60_000 });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** The answer once the function serves its KV binding's revision (the first revision's pod, without it, may answer first). */
const once = <T>(attempt: () => Promise<T>) => eventually(attempt, { timeoutMs: 60_000, intervalMs: 100 });

beforeAll(async () => {
  dir = await makeTempDir('tide-compat-');
  port = await freePort();
  tide = await startTide({ dataDir: dir.path, port });
  for (const app of ['redirects', 'links', 'jsx', 'openapi', 'kv', 'waituntil', 'passthrough', 'websocket']) await deploy(app);
  // One pod, so the call that releases a stream reaches the pod that holds it.
  await deploy('streaming', '--min', '1', '--max', '1');
  await bindKv('kv', 'compat-kv');
  await bindKv('waituntil', 'compat-jobs');
}, 600_000);

afterAll(async () => {
  await localhostAgent.close();
  await stopTide(tide);
  await dir?.remove();
});

describe('redirects (hono c.redirect, Response.redirect)', () => {
  it('answers 302/301/308 with the Location the app wrote, at its host route', async () => {
    // Workers: c.redirect('/new') is 302 with `Location: /new`, a body-less redirect the client follows on the same origin.
    const old = await atHost('redirects', '/old');
    expect(old.status).toBe(302);
    expect(old.headers.location).toBe('/new');
    // Workers: an absolute URL built from request.url keeps the caller's origin.
    const moved = await atHost('redirects', '/moved');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe(`http://redirects.default.localhost:${port}/new?from=moved`);
    // Workers: Response.redirect to another origin is passed as is.
    const elsewhere = await atHost('redirects', '/elsewhere');
    expect(elsewhere.status).toBe(308);
    expect(elsewhere.headers.location).toBe('https://example.com/docs');
    expect(await atHost('redirects', '/new?from=moved')).toMatchObject({ status: 200, text: 'new from=moved' });
  });

  it('lands under /fn/default/redirects when called there', async () => {
    const old = await atPrefix('redirects', '/old');
    expect(old.status).toBe(302);
    expect(old.headers.location).toBe('/fn/default/redirects/new');
    const moved = await atPrefix('redirects', '/moved');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe(`http://127.0.0.1:${port}/fn/default/redirects/new?from=moved`);
    expect((await atPrefix('redirects', '/elsewhere')).headers.location).toBe('https://example.com/docs');
    expect(await atPrefix('redirects', '/new')).toMatchObject({ status: 200, text: 'new from=none' });
  });
});

describe('links (new URL(request.url))', () => {
  it('sees the URL the caller used, so absolute links point back at the app', async () => {
    // Workers: request.url is the URL the client asked for, query included.
    const where = await atHost('links', '/a/b?x=1&y=2');
    expect(where.status).toBe(200);
    expect(JSON.parse(where.text)).toEqual({
      url: `http://links.default.localhost:${port}/a/b?x=1&y=2`,
      origin: `http://links.default.localhost:${port}`,
      pathname: '/a/b',
      search: '?x=1&y=2',
    });
    const page = await atHost('links', '/docs/page');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain(`<a id="abs" href="http://links.default.localhost:${port}/docs/other">`);
    expect(page.text).toContain('<a id="rel" href="other">');
    expect(page.text).toContain(`<a id="self" href="http://links.default.localhost:${port}/docs/page">`);
  });

  it('at /fn/default/links routes from the root, so its relative links resolve under the prefix', async () => {
    const where = JSON.parse((await atPrefix('links', '/a/b?x=1')).text) as { pathname: string; search: string };
    expect(where).toMatchObject({ pathname: '/a/b', search: '?x=1' });
    const page = await atPrefix('links', '/docs/page');
    expect(page.text).toContain('<a id="rel" href="other">');
    // A browser resolves the relative link against the page's address, which stays under the prefix.
    expect(new URL('other', `${tide.url}/fn/default/links/docs/page`).pathname).toBe('/fn/default/links/docs/other');
  });
});

describe('JSX (hono/jsx)', () => {
  it('renders components to HTML with c.html', async () => {
    // Workers: 200, `content-type: text/html; charset=UTF-8`, the rendered markup with text escaped.
    const page = await atHost('jsx', '/?name=%3Cb%3E');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=UTF-8');
    expect(page.text).toBe('<html lang="en"><body><h1>Hello, &lt;b&gt;!</h1><ul><li>a</li><li>b</li></ul></body></html>');
  });
});

describe('OpenAPI with zod (@hono/zod-openapi)', () => {
  it('validates requests with the zod schemas and answers as the routes say', async () => {
    // Workers: a valid body gets the route's 201 JSON, defaults applied by zod.
    const created = await atHost('openapi', '/tasks', {
      method: 'POST',
      body: JSON.stringify({ name: 'ship' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    expect(created.headers['content-type']).toBe('application/json');
    expect(JSON.parse(created.text)).toEqual({ id: 1, name: 'ship', done: false });
    // Workers: an invalid body is refused with 400 and zod's issue naming the field.
    const refused = await atHost('openapi', '/tasks', { method: 'POST', body: JSON.stringify({ name: '' }), headers: { 'content-type': 'application/json' } });
    expect(refused.status).toBe(400);
    const problem = JSON.parse(refused.text) as { success: boolean; error: { name: string; message: string } };
    expect(problem.success).toBe(false);
    expect(problem.error.name).toBe('ZodError');
    expect(JSON.parse(problem.error.message)[0].path).toEqual(['name']);
    expect(JSON.parse((await atHost('openapi', '/tasks/7')).text)).toEqual({ id: 7, name: 'write tests', done: false });
  });

  it('serves the OpenAPI document generated from the schemas', async () => {
    const doc = await atHost('openapi', '/openapi.json');
    expect(doc.status).toBe(200);
    const openapi = JSON.parse(doc.text) as {
      openapi: string;
      info: unknown;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(openapi.openapi).toBe('3.0.0');
    expect(openapi.info).toEqual({ title: 'Tasks', version: '1.0.0' });
    expect(Object.keys(openapi.paths).sort()).toEqual(['/tasks', '/tasks/{id}']);
    expect(Object.keys(openapi.paths['/tasks']!)).toEqual(['post']);
    expect(Object.keys(openapi.components.schemas).sort()).toEqual(['NewTask', 'Task']);
    expect(openapi.components.schemas.NewTask).toMatchObject({ type: 'object', required: ['name'] });
  });
});

describe('KV (env.CACHE bound through spec.bindings)', () => {
  it('reads back what it put, and counts across calls', async () => {
    // Workers: a put is visible to a later get in the same location; a missing key reads as null.
    const put = await once(async () => {
      const answer = await atHost('kv', '/?key=greeting', { method: 'PUT', body: 'hello from KV' });
      if (answer.status !== 204) throw new Error(`PUT answered ${answer.status} ${answer.text}`);
      return answer;
    });
    expect(put.text).toBe('');
    expect(await atHost('kv', '/?key=greeting')).toMatchObject({ status: 200, text: 'hello from KV' });
    expect(await atHost('kv', '/?key=nothing')).toMatchObject({ status: 404, text: 'not found' });
    const first = JSON.parse((await atHost('kv', '/count')).text).hits as number;
    expect(JSON.parse((await atHost('kv', '/count')).text)).toEqual({ hits: first + 1 });
  }, 90_000);
});

describe('ctx.waitUntil', () => {
  it('answers first and does the work afterwards, where a later call sees it', async () => {
    // Workers: the 202 goes out at once; the promise passed to waitUntil keeps running and its KV put lands later.
    const pending = await once(async () => {
      const answer = await atHost('waituntil', '/status?id=a1');
      if (answer.status === 500) throw new Error(`the KV binding is not live yet: ${answer.text}`);
      return answer;
    });
    expect(pending).toMatchObject({ status: 404, text: 'pending' });
    expect(await atHost('waituntil', '/job?id=a1')).toMatchObject({ status: 202, text: 'accepted' });
    const done = await eventually(
      async () => {
        const answer = await atHost('waituntil', '/status?id=a1');
        if (answer.status !== 200) throw new Error(`job a1: ${answer.status} ${answer.text}`);
        return JSON.parse(answer.text) as { answeredAt: number; doneAt: number };
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(done.doneAt).toBeGreaterThanOrEqual(done.answeredAt + 300);
    const logs = await eventually(
      async () => {
        const out = await runCli(['logs', 'waituntil'], { server: tide.url });
        if (!out.stdout.includes('job a1 done')) throw new Error(`no log yet: ${out.stdout}${out.stderr}`);
        return out.stdout;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(logs).toContain('job a1 done');
  }, 150_000);
});

describe('ctx.passThroughOnException', () => {
  it('answers a throw after passThroughOnException with 502 naming the missing origin (Tide has none); a plain throw is 500', async () => {
    // Workers would forward to the origin; a Tide function has none, so Tide answers 502 as packages/runtime/README.md documents.
    const open = await atHost('passthrough', '/fail-open');
    expect(open.status).toBe(502);
    expect(open.text).toContain(
      'function threw Error: the handler broke after passThroughOnException(): a Tide function has no origin to pass the request through to',
    );
    // Workers: an uncaught throw without passThroughOnException is a 500.
    expect((await atHost('passthrough', '/fail-closed')).status).toBe(500);
    // Calling it and answering normally changes nothing.
    expect(await atHost('passthrough', '/')).toMatchObject({ status: 200, text: 'fine' });
  });
});

describe('streaming (a ReadableStream response)', () => {
  it('delivers the first chunk before the last one is written', async () => {
    // Workers: the response's headers and each chunk reach the client as the stream produces them.
    const res = await request(`${tide.url}/s?id=one`, { headers: { host: `streaming.default.localhost:${port}` }, headersTimeout: 60_000 });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    const reader = res.body[Symbol.asyncIterator]();
    let seen = '';
    while (!seen.includes('first\n')) {
      const next = await reader.next();
      if (next.done) break;
      seen += Buffer.from(next.value as Buffer).toString();
    }
    // The app has not written `last` yet: it waits for /release, which only happens now. (Were the
    // response buffered until its end, the read above would never see `first` and the test would time out.)
    expect(seen).toBe('first\n');
    expect(await atHost('streaming', '/release?id=one')).toMatchObject({ status: 200, text: 'released' });
    for (let next = await reader.next(); !next.done; next = await reader.next()) seen += Buffer.from(next.value as Buffer).toString();
    expect(seen).toBe('first\nlast\n');
  });
});

/**
 * Resolves every name to 127.0.0.1, as browsers and curl resolve `*.localhost`. (undici's WebSocket,
 * like fetch, does not let a caller set the Host header, so the host route is reached by its name.)
 */
const localhostAgent = new Agent({
  connect: {
    lookup: (_host: string, options: LookupOptions, callback: (...args: unknown[]) => void) =>
      options.all ? callback(null, [{ address: '127.0.0.1', family: 4 } satisfies LookupAddress]) : callback(null, '127.0.0.1', 4),
  } as never,
});

/** Opens a WebSocket, sends `messages`, and resolves with what came back once the close handshake is done. */
function echoOver(url: string, messages: string[]): Promise<{ received: string[]; code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { dispatcher: localhostAgent });
    const received: string[] = [];
    socket.addEventListener('open', () => {
      for (const message of messages) socket.send(message);
    });
    socket.addEventListener('message', (event) => {
      received.push(String(event.data));
      if (received.length === messages.length) socket.close(1000, 'done');
    });
    socket.addEventListener('error', () => reject(new Error(`WebSocket to ${url} failed`)));
    socket.addEventListener('close', (event) => resolve({ received, code: event.code, reason: event.reason }));
  });
}

describe('WebSocket echo (new WebSocketPair())', () => {
  it('upgrades with 101 and echoes each message, at the host route and under /fn', async () => {
    // Workers: 101 Switching Protocols, then the server end sees each message; the close handshake ends with 1000.
    expect(await echoOver(`ws://websocket.default.localhost:${port}/`, ['one', 'two'])).toMatchObject({ received: ['echo: one', 'echo: two'], code: 1000 });
    expect(await echoOver(`${tide.url.replace('http', 'ws')}/fn/default/websocket/`, ['three'])).toMatchObject({ received: ['echo: three'], code: 1000 });
    // Workers: a plain request to the same route gets the app's own answer.
    expect(await atHost('websocket', '/')).toMatchObject({ status: 426, text: 'Expected Upgrade: websocket' });
  });
});
