import { describe, expect, it } from 'vitest';
import { createKvNamespace, type KvCall } from './kv-namespace.js';
import type { KvOperation, KvStored } from './kv-protocol.js';

/** A binding over a map, recording what it was asked: the shapes Workers code sees. */
function kvOverMap() {
  const stored = new Map<string, KvStored>();
  const calls: KvOperation[] = [];
  const call: KvCall = async (operation) => {
    calls.push(operation);
    if (operation.op === 'put') stored.set(operation.key, { value: operation.value, ...(operation.metadata ? { metadata: operation.metadata } : {}) });
    if (operation.op === 'get') return stored.get(operation.key) ?? null;
    if (operation.op === 'delete') stored.delete(operation.key);
    if (operation.op === 'list') return { keys: [...stored.keys()].map((name) => ({ name })), list_complete: true };
    return null;
  };
  return { kv: createKvNamespace('CACHE', call), calls };
}

describe('a KV namespace binding (env.CACHE)', () => {
  it('stores strings, ArrayBuffers, typed arrays and streams as bytes', async () => {
    const { kv } = kvOverMap();
    await kv.put('s', 'héllo');
    await kv.put('b', new Uint8Array([1, 2]).buffer);
    await kv.put('t', new Uint8Array([9, 8, 7]).subarray(1));
    await kv.put('r', new Blob(['streamed']).stream());
    expect(await kv.get('s')).toBe('héllo');
    expect([...new Uint8Array((await kv.get('b', 'arrayBuffer')) as ArrayBuffer)]).toEqual([1, 2]);
    expect([...new Uint8Array((await kv.get('t', { type: 'arrayBuffer' })) as ArrayBuffer)]).toEqual([8, 7]);
    expect(await new Response((await kv.get('r', 'stream')) as ReadableStream).text()).toBe('streamed');
  });

  it('reads json, and null with null metadata for a missing key', async () => {
    const { kv } = kvOverMap();
    await kv.put('j', JSON.stringify({ a: [1] }), { metadata: { v: 2 } });
    expect(await kv.get('j', 'json')).toEqual({ a: [1] });
    expect(await kv.getWithMetadata('j', 'json')).toEqual({ value: { a: [1] }, metadata: { v: 2 }, cacheStatus: null });
    expect(await kv.getWithMetadata('missing')).toEqual({ value: null, metadata: null, cacheStatus: null });
  });

  it('passes expiration options and list options on, and leaves out what was not given', async () => {
    const { kv, calls } = kvOverMap();
    await kv.put('k', 'v', { expirationTtl: 60 });
    await kv.list({ prefix: 'a', limit: 5, cursor: null });
    expect(calls).toEqual([
      { op: 'put', key: 'k', value: Buffer.from('v').toString('base64'), expirationTtl: 60 },
      { op: 'list', prefix: 'a', limit: 5 },
    ]);
  });

  it('refuses an empty key and an unknown type, naming them', async () => {
    const { kv } = kvOverMap();
    await expect(kv.get('')).rejects.toThrow('CACHE: a KV key must be a non-empty string');
    await kv.put('k', 'v');
    await expect(kv.get('k', 'blob' as 'text')).rejects.toThrow('unknown KV value type "blob"');
  });
});
