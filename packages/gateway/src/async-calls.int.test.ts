import { decodeAsyncInvocation, INVOCATIONS_TOPIC } from '@tide/core';
import { type EventLog, openEmbeddedLog } from '@tide/log';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createAsyncCalls } from './async-calls.js';
import type { MetricsLog } from './load-reporter.js';
import { closeAfterEach, FakeRouteTable, startServer } from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000 });
const track = closeAfterEach();
const dirs: string[] = [];
afterAll(() => client.close());
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function embeddedLog(): Promise<EventLog> {
  const dir = await mkdtemp(join(tmpdir(), 'tide-async-calls-'));
  dirs.push(dir);
  return track(await openEmbeddedLog(dir, { fsync: false }));
}

async function asyncGateway(log: MetricsLog): Promise<string> {
  const routes = new FakeRouteTable();
  routes.set('default', 'hello', []);
  const calls = createAsyncCalls({ routes, log, domain: 'localhost', now: () => 1_700_000_000_000, newId: () => 'a-1' });
  const server = track(
    await startServer((req, res) => {
      if (!calls.handle(req, res)) res.writeHead(418).end();
    }),
  );
  return server.url;
}

async function stored(log: EventLog) {
  const out = [];
  for await (const record of log.read(INVOCATIONS_TOPIC, 0, { follow: false })) out.push(decodeAsyncInvocation(record.value));
  return out;
}

describe('POST /async/{ns}/{name}/... stores the call and answers 202', () => {
  it('appends method, path, query, headers, body, callback and trace context to tide.invocations, then answers with the activation id', async () => {
    const log = await embeddedLog();
    const url = await asyncGateway(log);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await request(`${url}/async/default/hello/orders?x=1`, {
      dispatcher: client,
      method: 'PUT',
      headers: { 'content-type': 'text/plain', 'x-callback-url': 'http://127.0.0.1:9/cb', traceparent, 'tide-invoke': 'queue', 'x-custom': 'y' },
      body: 'hi there',
    });
    expect(res.statusCode).toBe(202);
    expect(await res.body.json()).toEqual({ activationId: 'a-1' });
    expect(res.headers['x-activation-id']).toBe('a-1');
    expect(res.headers.location).toBe('/apis/tide.dev/v1/namespaces/default/activations/a-1');
    const [call] = await stored(log);
    expect(call).toMatchObject({
      id: 'a-1',
      namespace: 'default',
      function: 'hello',
      method: 'PUT',
      path: '/orders?x=1',
      callbackUrl: 'http://127.0.0.1:9/cb',
      traceparent,
      receivedAt: 1_700_000_000_000,
    });
    expect(Buffer.from(call!.body, 'base64').toString()).toBe('hi there');
    expect(call!.headers).toMatchObject({ 'content-type': 'text/plain', 'x-custom': 'y', 'x-forwarded-prefix': '/async/default/hello' });
    expect(call!.headers['tide-invoke']).toBeUndefined();
    expect(call!.headers['x-callback-url']).toBeUndefined();
  });

  it('takes a host route with X-Tide-Async: true', async () => {
    const log = await embeddedLog();
    const url = await asyncGateway(log);
    const res = await request(`${url}/p`, {
      dispatcher: client,
      method: 'POST',
      headers: { host: 'hello.default.localhost', 'x-tide-async': 'true' },
      body: 'x',
    });
    expect(res.statusCode).toBe(202);
    await res.body.dump();
    expect((await stored(log))[0]).toMatchObject({ function: 'hello', path: '/p' });
  });

  it.each([
    ['an unknown function', '/async/default/nope', {}, 'x', 404, /function default\/nope not found/],
    ['a callback that is not http(s)', '/async/default/hello', { 'x-callback-url': 'file:///etc/passwd' }, 'x', 400, /http or https/],
    ['a body over 256 KiB', '/async/default/hello', {}, 'x'.repeat(256 * 1024 + 1), 413, /256 KiB/],
    ['a bad name', '/async/default/Hello', {}, 'x', 400, /invalid function name/],
  ])('refuses %s, storing nothing', async (_what, path, headers, body, status, message) => {
    const log = await embeddedLog();
    const url = await asyncGateway(log);
    const res = await request(`${url}${path}`, { dispatcher: client, method: 'POST', headers, body });
    expect(res.statusCode).toBe(status);
    expect(((await res.body.json()) as { error: string }).error).toMatch(message);
    expect(await stored(log)).toEqual([]);
  });

  it('answers only once the append is durable, and 503 when it fails', async () => {
    let release: (() => void) | undefined;
    const appended = new Promise<void>((resolve) => (release = resolve));
    let answered = false;
    const slowLog: MetricsLog = { append: () => appended.then(() => [0]) };
    const url = await asyncGateway(slowLog);
    const pending = request(`${url}/async/default/hello`, { dispatcher: client, method: 'POST', body: 'x' }).then((res) => {
      answered = true;
      return res;
    });
    // The call has reached the gateway (a second one is refused at once, after it) but the append has not resolved.
    const probe = await request(`${url}/async/default/nope`, { dispatcher: client, method: 'POST', body: 'x' });
    await probe.body.dump();
    expect(answered).toBe(false);
    release!();
    expect((await pending).statusCode).toBe(202);

    const failing = await asyncGateway({ append: () => Promise.reject(new Error('log is closed')) });
    const res = await request(`${failing}/async/default/hello`, { dispatcher: client, method: 'POST', body: 'x' });
    expect(res.statusCode).toBe(503);
    expect(((await res.body.json()) as { error: string }).error).toMatch(/not stored: log is closed/);
  });
});
