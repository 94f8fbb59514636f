import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * A Workers app's KV namespace binding through `tide up`: `spec.bindings: [{name: CACHE, kv: my-kv}]`
 * makes `env.CACHE` a KV namespace backed by the event log, so what a function put survives a
 * restart; a function without the binding cannot reach it.
 */
const KV_APP = `export default { async fetch(request, env) {
  const { pathname, searchParams } = new URL(request.url);
  const key = searchParams.get('key');
  try {
    switch (pathname) {
      case '/put-text': await env.CACHE.put(key, searchParams.get('value'), { metadata: { by: 'e2e' } }); return new Response('stored');
      case '/put-json': await env.CACHE.put(key, JSON.stringify({ n: 42 })); return new Response('stored');
      case '/put-bytes': await env.CACHE.put(key, new Uint8Array([7, 8, 9]).buffer, { expirationTtl: 3600 }); return new Response('stored');
      case '/text': return Response.json(await env.CACHE.get(key));
      case '/json': return Response.json(await env.CACHE.get(key, { type: 'json' }));
      case '/bytes': { const b = await env.CACHE.get(key, 'arrayBuffer'); return Response.json(b && [...new Uint8Array(b)]); }
      case '/meta': { const { value, metadata } = await env.CACHE.getWithMetadata(key); return Response.json({ value, metadata }); }
      case '/list': return Response.json(await env.CACHE.list({ prefix: searchParams.get('prefix') ?? undefined }));
      case '/delete': await env.CACHE.delete(key); return new Response('deleted');
    }
    return new Response('no such step', { status: 404 });
  } catch (error) {
    return new Response(String(error), { status: 500 });
  }
} };`;

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let port: number;
let tide: StartedTide | undefined;
let digest: string;

const api = (path: string) => `${tide!.url}/apis/tide.dev/v1/namespaces/default${path}`;

async function applyFunction(name: string, bindings?: unknown[]) {
  const manifest = {
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: { name },
    spec: { source: { artifact: digest }, ...(bindings ? { bindings } : {}) },
  };
  const res = await request(api(`/functions/${name}`), {
    method: 'PUT',
    body: JSON.stringify(manifest),
    headers: { ...tide!.headers, 'content-type': 'application/json' },
  });
  return { status: res.statusCode, text: await res.body.text() };
}

async function call(fn: string, path: string) {
  const res = await request(`${tide!.url}/fn/default/${fn}${path}`, { headersTimeout: 30_000 });
  return { status: res.statusCode, text: await res.body.text() };
}

/** Waits until the function serves (its first pod may still be starting). */
const callWhenUp = (fn: string, path: string) =>
  eventually(
    async () => {
      const answer = await call(fn, path);
      if (answer.status === 503 || answer.status === 502 || answer.status === 404) throw new Error(`${fn}${path}: ${answer.status} ${answer.text}`);
      return answer;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );

beforeAll(async () => {
  dir = await makeTempDir('tide-kv-');
  port = await freePort();
  tide = await startTide({ dataDir: dir.path, port });
  const upload = await request(`${tide.url}/apis/tide.dev/v1/artifacts`, { method: 'POST', headers: tide.headers, body: KV_APP });
  digest = ((await upload.body.json()) as { digest: string }).digest;
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('a KV namespace binding', () => {
  it('refuses a binding Tide cannot back, and a KV name that is not DNS-1123, naming the field (422)', async () => {
    const d1 = await applyFunction('bad', [{ name: 'DB', d1: 'main' }]);
    expect(d1.status).toBe(422);
    expect(d1.text).toMatch(/bindings\.0\.d1/);
    expect(d1.text).toMatch(/Tide cannot back d1 bindings/);
    const badName = await applyFunction('bad', [{ name: 'CACHE', kv: 'My_KV' }]);
    expect(badName.status).toBe(422);
    expect(badName.text).toMatch(/bindings\.0\.kv/);
  });

  it('puts and gets text, json, arrayBuffer and metadata, lists and deletes', async () => {
    expect((await applyFunction('kv', [{ name: 'CACHE', kv: 'my-kv' }])).status).toBeLessThan(300);
    expect(await callWhenUp('kv', '/put-text?key=user:1&value=ada')).toEqual({ status: 200, text: 'stored' });
    expect((await call('kv', '/put-json?key=user:2')).text).toBe('stored');
    expect((await call('kv', '/put-bytes?key=blob')).text).toBe('stored');
    expect(JSON.parse((await call('kv', '/text?key=user:1')).text)).toBe('ada');
    expect(JSON.parse((await call('kv', '/json?key=user:2')).text)).toEqual({ n: 42 });
    expect(JSON.parse((await call('kv', '/bytes?key=blob')).text)).toEqual([7, 8, 9]);
    expect(JSON.parse((await call('kv', '/meta?key=user:1')).text)).toEqual({ value: 'ada', metadata: { by: 'e2e' } });
    const listed = JSON.parse((await call('kv', '/list')).text);
    expect(listed).toEqual({
      keys: [{ name: 'blob', expiration: expect.any(Number) }, { name: 'user:1', metadata: { by: 'e2e' } }, { name: 'user:2' }],
      list_complete: true,
    });
    expect(listed.keys[0].expiration).toBeGreaterThan(Date.now() / 1000 + 3000);
    expect(JSON.parse((await call('kv', '/list?prefix=user:')).text).keys.map((k: { name: string }) => k.name)).toEqual(['user:1', 'user:2']);
    expect((await call('kv', '/delete?key=user:2')).text).toBe('deleted');
    expect(JSON.parse((await call('kv', '/json?key=user:2')).text)).toBeNull();
  }, 120_000);

  it('is out of reach of a function without the binding, and of one binding another KV namespace', async () => {
    expect((await applyFunction('plain')).status).toBeLessThan(300);
    const plain = await callWhenUp('plain', '/text?key=user:1');
    expect(plain.status).toBe(500);
    expect(plain.text).toMatch(/TypeError: Cannot read properties of undefined \(reading 'get'\)/);
    expect((await applyFunction('other', [{ name: 'CACHE', kv: 'other-kv' }])).status).toBeLessThan(300);
    expect(await callWhenUp('other', '/text?key=user:1')).toEqual({ status: 200, text: 'null' });
  }, 120_000);

  it('keeps what was put across a restart of tide up', async () => {
    await stopTide(tide);
    tide = await startTide({ dataDir: dir.path, port });
    expect(await callWhenUp('kv', '/text?key=user:1')).toEqual({ status: 200, text: '"ada"' });
    expect(JSON.parse((await call('kv', '/bytes?key=blob')).text)).toEqual([7, 8, 9]);
    expect(JSON.parse((await call('kv', '/json?key=user:2')).text)).toBeNull();
  }, 120_000);
});
