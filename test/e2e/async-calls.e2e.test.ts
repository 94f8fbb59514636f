import { createServer, type Server } from 'node:http';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, processesMentioning, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * Issue 11, acceptance 3, through `tide up` and its real gateway, triggers process, API and CLI:
 * `POST /async/default/<fn>` with an X-Callback-Url answered by this test. A call failing its first
 * attempt is retried and succeeds; one always failing is dead-lettered after spec.async.maxRetries;
 * `tide activation get <id> -o json` shows how each ended; each callback arrives once; and a kill -9
 * of `tide up` (its pods too) with calls queued loses none of them.
 */
/** MODE decides: `flaky` fails the first attempt of each body (a KV flag), `doomed` always fails, `slow` answers after 300 ms. */
const ASYNC_APP = `export default {
  async fetch(request, env) {
    const body = await request.text();
    if (env.MODE === 'doomed') return new Response('doomed: ' + body, { status: 500 });
    if (env.MODE === 'flaky' && !(await env.FLAGS.get(body))) {
      await env.FLAGS.put(body, 'tried');
      return new Response('first attempt of ' + body + ' fails', { status: 500 });
    }
    if (env.MODE === 'slow') await new Promise((resolve) => setTimeout(resolve, 300));
    return new Response(env.MODE + ' ok: ' + body);
  },
};`;

interface Activation {
  id: string;
  function: string;
  status: string;
  attempts: number;
  result?: { status: number; body: string };
  error?: string;
  callback?: string;
}

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let port: number;
let tide: StartedTide | undefined;
let callbackServer: Server;
let callbackUrl: string;
/** Callbacks received, by activation id. */
const callbacks = new Map<string, Activation[]>();

const api = (path: string) => `http://127.0.0.1:${port}/apis/tide.dev/v1${path}`;

async function put(path: string, body: unknown): Promise<void> {
  const res = await request(api(path), { method: 'PUT', body: JSON.stringify(body), headers: { ...tide!.headers, 'content-type': 'application/json' } });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`PUT ${path}: ${res.statusCode} ${text}`);
}

/** An async call as a user makes it: 202 and an activation id. */
async function callAsync(fn: string, body: string): Promise<string> {
  const res = await request(`http://127.0.0.1:${port}/async/default/${fn}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'text/plain', 'x-callback-url': callbackUrl },
    headersTimeout: 30_000,
  });
  const text = await res.body.text();
  if (res.statusCode !== 202) throw new Error(`POST /async/default/${fn}: ${res.statusCode} ${text}`);
  return (JSON.parse(text) as { activationId: string }).activationId;
}

/** `tide activation get <id> -o json`, the CLI a user would run. */
async function activationByCli(id: string): Promise<Activation> {
  const run = await runCli(['activation', 'get', id, '-o', 'json'], { server: `http://127.0.0.1:${port}`, timeoutMs: 30_000 });
  if (run.code !== 0) throw new Error(`tide activation get ${id}: exit ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Activation;
}

async function activation(id: string): Promise<Activation> {
  const res = await request(api(`/namespaces/default/activations/${id}`), { headers: tide!.headers, headersTimeout: 10_000 });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET activation ${id}: ${res.statusCode} ${text}`);
  return JSON.parse(text) as Activation;
}

const ENDED = ['succeeded', 'failed', 'dead-lettered'];

/** Waits until every activation has ended and its callback came; the activations as the API has them then. */
async function settled(ids: readonly string[], timeoutMs: number): Promise<Activation[]> {
  return eventually(
    async () => {
      const all = await Promise.all(ids.map(activation));
      const open = all.filter((a) => !ENDED.includes(a.status) || !callbacks.has(a.id));
      expect(open.map((a) => `${a.function} ${a.id}: ${a.status} after ${a.attempts}, callback ${callbacks.has(a.id) ? 'came' : 'not yet'}`)).toEqual([]);
      return all;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

async function deploy(name: string, digest: string, spec: Record<string, unknown>): Promise<void> {
  await put(`/namespaces/default/functions/${name}`, {
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: { name },
    spec: { source: { artifact: digest }, ...spec },
  });
}

beforeAll(async () => {
  callbackServer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const record = JSON.parse(body) as Activation;
      callbacks.set(record.id, [...(callbacks.get(record.id) ?? []), record]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(callbackServer.address() as { port: number }).port}/done`;

  dir = await makeTempDir('tide-async-');
  port = await freePort();
  tide = await startTide({ dataDir: dir.path, port, timeoutMs: 60_000 });
  const upload = await request(api('/artifacts'), { method: 'POST', headers: tide.headers, body: ASYNC_APP });
  const digest = ((await upload.body.json()) as { digest: string }).digest;
  const quick = { maxRetries: 1, retryDelaySeconds: 0.2 };
  await deploy('flaky', digest, { env: { MODE: 'flaky' }, bindings: [{ name: 'FLAGS', kv: 'flags' }], async: quick });
  await deploy('doomed', digest, { env: { MODE: 'doomed' }, async: quick });
  await deploy('slow', digest, { env: { MODE: 'slow' }, async: { maxRetries: 2, retryDelaySeconds: 0.2 } });
}, 90_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
  await new Promise((resolve) => callbackServer?.close(resolve));
});

describe('async calls through tide up', () => {
  it('retries a call that failed its first attempt, dead-letters one that always fails, and calls back once each', async () => {
    const flaky = await Promise.all([1, 2, 3].map((n) => callAsync('flaky', `flaky-${n}`)));
    const doomed = await callAsync('doomed', 'doomed-1');
    const ended = await settled([...flaky, doomed], 120_000);

    for (const id of flaky) {
      const shown = await activationByCli(id);
      expect(shown).toMatchObject({ id, function: 'flaky', status: 'succeeded', attempts: 2, result: { status: 200 } });
      expect(shown.result!.body).toMatch(/^flaky ok: flaky-\d$/);
    }
    const dead = await activationByCli(doomed);
    // maxRetries 1: the first attempt and one retry, then the dead letter, with the function's last answer.
    expect(dead).toMatchObject({ id: doomed, function: 'doomed', status: 'dead-lettered', attempts: 2, result: { status: 500, body: 'doomed: doomed-1' } });

    // Each callback once, carrying the activation as it ended.
    for (const a of ended) {
      expect(callbacks.get(a.id)?.length, `callbacks of ${a.function} ${a.id}`).toBe(1);
      expect(callbacks.get(a.id)![0]).toMatchObject({ id: a.id, status: a.status, attempts: a.attempts });
    }
  }, 180_000);

  it('loses no queued call across a kill -9 of tide up: all end succeeded after the restart, each called back once', async () => {
    const CALLS = 20;
    const ids = await Promise.all(Array.from({ length: CALLS }, (_, n) => callAsync('slow', `slow-${n}`)));
    // Every 202 is a durable promise: kill at once, with calls still queued or running.
    const open = (await Promise.all(ids.map(activation).map((p) => p.catch(() => undefined)))).filter(
      (a) => a === undefined || !ENDED.includes(a.status),
    ).length;
    tide!.child.kill('SIGKILL');
    for (const pid of processesMentioning(dir.path)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await tide!.exited;
    await eventually(() => expect(processesMentioning(dir.path)).toEqual([]), { timeoutMs: 15_000 });
    tide = await startTide({ dataDir: dir.path, port, timeoutMs: 60_000 });

    const ended = await settled(ids, 180_000);
    const statuses = ended.reduce<Record<string, number>>((n, a) => ({ ...n, [a.status]: (n[a.status] ?? 0) + 1 }), {});
    const calledBack = ids.map((id) => callbacks.get(id)?.length ?? 0);
    console.log(
      `async across a kill -9: ${CALLS} accepted, ${open} not ended at the kill, after the restart ${JSON.stringify(statuses)}, ` +
        `attempts ${ended.map((a) => a.attempts).join(',')}, callbacks per call ${calledBack.join(',')}`,
    );
    expect(open, 'the kill came after every call had ended: nothing was tested').toBeGreaterThan(0);
    expect(statuses).toEqual({ succeeded: CALLS });
    for (const id of ids.slice(0, 3)) expect(await activationByCli(id)).toMatchObject({ id, status: 'succeeded', result: { status: 200 } });
    expect(ended.map((a) => a.result?.body).sort()).toEqual(ids.map((_, n) => `slow ok: slow-${n}`).sort());
    expect(calledBack.filter((c) => c !== 1)).toEqual([]);
  }, 300_000);
});
