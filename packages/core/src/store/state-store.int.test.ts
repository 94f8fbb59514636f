import { describe, expect, it } from 'vitest';
import { createMemoryLog } from '@tide/log/testing';
import { encodeSnapshot } from '../snapshot.js';
import { openStateStore } from './state-store.js';
import type { SnapshotStorage } from './ports.js';

function memorySnapshots(): SnapshotStorage & { saved: { offset: number; bytes: Uint8Array }[] } {
  const saved: { offset: number; bytes: Uint8Array }[] = [];
  return {
    saved,
    async load(maxOffset = Infinity) {
      return [...saved].reverse().find((s) => s.offset <= maxOffset);
    },
    async save(offset, bytes) {
      saved.push({ offset, bytes });
    },
  };
}

const namespace = (name: string) => ({ type: 'NamespaceApplied' as const, data: { name, labels: {}, annotations: {} } });

describe('state store', () => {
  it('acknowledges an append with the verdict the fold gave it', async () => {
    const log = createMemoryLog();
    const store = await openStateStore({ log });
    const [first, second] = await store.append([
      { ...namespace('a'), expect: null },
      { ...namespace('a'), expect: null },
    ]);
    expect(first!.verdict.accepted).toBe(true);
    expect(second!.verdict).toMatchObject({ accepted: false, code: 'already-exists' });
    await store.close();
  });

  it('restarts from its snapshot and replays only the tail, reaching the same state', async () => {
    const log = createMemoryLog();
    const snapshots = memorySnapshots();
    const store = await openStateStore({ log, snapshots, snapshotEvery: 5 });
    for (let i = 0; i < 12; i++) await store.append([namespace(`ns-${i}`)]);
    await new Promise((r) => setTimeout(r, 10));
    expect(snapshots.saved.map((s) => s.offset)).toEqual([4, 9]);
    const whole = encodeSnapshot(store.state());
    await store.close();
    const loaded: number[] = [];
    const again = await openStateStore({ log, snapshots: { ...snapshots, load: async (max) => { const s = await snapshots.load(max); if (s) loaded.push(s.offset); return s; } }, snapshotEvery: 1000 });
    expect(loaded).toEqual([9]);
    expect(encodeSnapshot(again.state())).toEqual(whole);
    await again.close();
  });

  it('replays everything when its snapshot is of a format it cannot read', async () => {
    const log = createMemoryLog();
    const store = await openStateStore({ log });
    for (let i = 0; i < 3; i++) await store.append([namespace(`ns-${i}`)]);
    await store.close();
    const snapshots = memorySnapshots();
    await snapshots.save(1, new TextEncoder().encode('{"format":1}'));
    const errors: string[] = [];
    const again = await openStateStore({ log, snapshots, onError: (e) => errors.push(e.message) });
    expect(again.state().namespaces.size).toBe(3);
    expect(errors[0]).toMatch(/ignoring the snapshot at offset 1/);
    await again.close();
  });
});
