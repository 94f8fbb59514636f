import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wranglerBindings, wranglerBindingsOf } from './wrangler-bindings.js';

describe('bindings from a wrangler config', () => {
  it('makes kv_namespaces KV bindings (the id names the KV namespace) and queues.producers queue bindings', () => {
    const config = {
      kv_namespaces: [{ binding: 'RESERVED', id: 'reservations' }],
      queues: { producers: [{ binding: 'RESERVATIONS', queue: 'reservations' }], consumers: [{ queue: 'other' }] },
    };
    expect(wranglerBindingsOf(config, 'wrangler.jsonc')).toEqual([
      { name: 'RESERVED', kv: 'reservations' },
      { name: 'RESERVATIONS', queue: 'reservations' },
    ]);
  });

  it('says nothing when the config declares neither, so a deploy keeps the bindings the function has', () => {
    expect(wranglerBindingsOf({ name: 'x', queues: { consumers: [{ queue: 'q' }] } }, 'wrangler.toml')).toBeUndefined();
    expect(wranglerBindingsOf({ kv_namespaces: [] }, 'wrangler.toml')).toEqual([]);
  });

  it('refuses what Tide would refuse, naming the file, the entry and the field', () => {
    expect(() => wranglerBindingsOf({ queues: { producers: [{ binding: 'Q', queue: 'has space' }] } }, 'wrangler.toml')).toThrow(
      /^wrangler\.toml: queues\.producers\[0\]\.queue: must be a topic name/,
    );
    expect(() => wranglerBindingsOf({ kv_namespaces: [{ binding: '1X', id: 'a' }] }, 'wrangler.toml')).toThrow(/kv_namespaces\[0\]\.binding:/);
    expect(() => wranglerBindingsOf({ kv_namespaces: { binding: 'X' } }, 'wrangler.toml')).toThrow(/kv_namespaces must be a list of tables/);
    expect(() =>
      wranglerBindingsOf({ kv_namespaces: [{ binding: 'X', id: 'a' }], queues: { producers: [{ binding: 'X', queue: 'q' }] } }, 'wrangler.toml'),
    ).toThrow(/binding X is declared twice/);
  });
});

describe('bindings of a function directory', () => {
  it('reads wrangler.toml tables', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tide-wrangler-'));
    try {
      await writeFile(
        join(dir, 'wrangler.toml'),
        'name = "gate"\nmain = "src/index.ts"\n\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "cache"\n\n[[queues.producers]]\nbinding = "RESERVATIONS"\nqueue = "reservations"\n',
      );
      expect(wranglerBindings(dir)).toEqual([
        { name: 'CACHE', kv: 'cache' },
        { name: 'RESERVATIONS', queue: 'reservations' },
      ]);
      expect(wranglerBindings(join(dir, 'wrangler.toml'))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
