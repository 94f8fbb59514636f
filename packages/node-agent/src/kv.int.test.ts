import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';
import { openKvStore, type KvLog, type KvStore } from './kv-store.js';
import type { NodeAgent, WarmPoolSettings } from './node-agent.js';
import type { ColdStart } from './pod-types.js';
import { makeTempDir, openTestAgent, podSpec, writeArtifact } from './testing/agent-harness.js';

/** A log in memory that tails: enough of the node's log for its KV view. */
function memoryLog(): KvLog & { records: Map<string, { offset: number; value: Uint8Array }[]> } {
  const records = new Map<string, { offset: number; value: Uint8Array }[]>();
  const wakers = new Set<() => void>();
  return {
    records,
    async append(topic, batch) {
      const list = records.get(topic) ?? [];
      records.set(topic, list);
      const offsets = batch.map((r) => list.push({ offset: list.length, value: r.value }) - 1);
      for (const wake of wakers) wake();
      return offsets;
    },
    async *read(topic, from, options) {
      let next = from;
      while (!options?.signal?.aborted) {
        const list = records.get(topic) ?? [];
        while (next < list.length) yield list[next++]!;
        if (!options?.follow) return;
        await new Promise<void>((resolve) => {
          const wake = () => (wakers.delete(wake), resolve());
          wakers.add(wake);
          options.signal?.addEventListener('abort', wake, { once: true });
        });
      }
    },
  };
}

// The function puts, gets and lists through env.CACHE and says what it saw.
const KV_APP = `export default { async fetch(request, env) {
  const url = new URL(request.url);
  const step = url.pathname.slice(1);
  try {
    if (step === 'put') {
      await env.CACHE.put('greeting', 'hello', { metadata: { by: 'test' } });
      await env.CACHE.put('doc', JSON.stringify({ n: 1 }));
      await env.CACHE.put('bytes', new Uint8Array([1, 2, 3]).buffer, { expirationTtl: 120 });
      return new Response('ok');
    }
    if (step === 'get') {
      const text = await env.CACHE.get('greeting');
      const json = await env.CACHE.get('doc', 'json');
      const bytes = [...new Uint8Array(await env.CACHE.get('bytes', { type: 'arrayBuffer' }))];
      const withMeta = await env.CACHE.getWithMetadata('greeting');
      const listed = await env.CACHE.list({ limit: 2 });
      const missing = await env.CACHE.get('nope');
      return Response.json({ text, json, bytes, metadata: withMeta.metadata, listed, missing });
    }
    if (step === 'delete') {
      await env.CACHE.delete('greeting');
      return Response.json({ after: await env.CACHE.get('greeting') });
    }
    if (step === 'big') {
      await env.CACHE.put('big', 'x'.repeat(1024 * 1024 + 1));
      return new Response('stored');
    }
    return Response.json({ hasCache: 'CACHE' in env });
  } catch (error) {
    return new Response(String(error), { status: 500 });
  }
} };`;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let agents: NodeAgent[] = [];
let stores: KvStore[] = [];
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  await Promise.all(stores.map((store) => store.close()));
  agents = [];
  stores = [];
  await temp.remove();
});

describe.each<{ coldStart: ColdStart; warmPool: WarmPoolSettings }>([
  { coldStart: 'pool', warmPool: { size: 1, memoryMb: 64 } },
  { coldStart: 'spawn', warmPool: { size: 0 } },
])('KV bindings between a pod and its agent over IPC, $coldStart path', ({ warmPool }) => {
  async function start() {
    const log = memoryLog();
    const kv = openKvStore({ log, clock: systemClock });
    stores.push(kv);
    const harness = await openTestAgent({ dataDir: join(temp.path, 'data'), warmPool, kv });
    agents.push(harness.agent);
    return { log, ...harness };
  }

  it('puts, gets (text, json, arrayBuffer, metadata), lists and deletes, each write on the KV topic', async () => {
    const artifact = await writeArtifact(temp.path, 'kv', KV_APP);
    const { agent, waitForReport, log } = await start();
    agent.sync([podSpec('kv-1', artifact, { bindings: [{ name: 'CACHE', kv: 'my-kv' }] })]);
    const { endpoint } = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    expect(await (await fetch(`${endpoint}/put`)).text()).toBe('ok');
    expect(log.records.get('tide.kv')).toHaveLength(3);
    const got = await (await fetch(`${endpoint}/get`)).json();
    expect(got).toMatchObject({
      text: 'hello',
      json: { n: 1 },
      bytes: [1, 2, 3],
      metadata: { by: 'test' },
      missing: null,
      listed: { keys: [{ name: 'bytes', expiration: expect.any(Number) }, { name: 'doc' }], list_complete: false, cursor: expect.any(String) },
    });
    expect(await (await fetch(`${endpoint}/delete`)).json()).toEqual({ after: null });
  });

  it('refuses a value over 1 MiB with an error that says the limit', async () => {
    const artifact = await writeArtifact(temp.path, 'kv', KV_APP);
    const { agent, waitForReport } = await start();
    agent.sync([podSpec('kv-1', artifact, { bindings: [{ name: 'CACHE', kv: 'my-kv' }] })]);
    const { endpoint } = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    const response = await fetch(`${endpoint}/big`);
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/more than Tide's KV limit of 1048576 bytes/);
  });

  it('gives a pod whose function binds nothing no CACHE in its env', async () => {
    const artifact = await writeArtifact(temp.path, 'kv', KV_APP);
    const { agent, waitForReport } = await start();
    agent.sync([podSpec('plain-1', artifact)]);
    const { endpoint } = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    expect(await (await fetch(`${endpoint}/`)).json()).toEqual({ hasCache: false });
  });
});
