import { describe, expect, it } from 'vitest';
import { createMemoryLog } from '@tide/log/testing';
import { eventually } from '@tide/testkit/testing';
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
      const chunks: Uint8Array[] = [];
      for await (const chunk of bytes instanceof Uint8Array ? [bytes] : bytes) chunks.push(chunk);
      saved.push({ offset, bytes: Buffer.concat(chunks) });
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
    // Snapshots are saved after the appends they follow: wait for both (bounded).
    await eventually(() => expect(snapshots.saved.map((s) => s.offset)).toEqual([4, 9]), { timeoutMs: 10_000 });
    const whole = encodeSnapshot(store.state());
    await store.close();
    const loaded: number[] = [];
    const again = await openStateStore({
      log,
      snapshots: {
        ...snapshots,
        load: async (max) => {
          const s = await snapshots.load(max);
          if (s) loaded.push(s.offset);
          return s;
        },
      },
      snapshotEvery: 1000,
    });
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

describe('state store when the log loses its history', () => {
  it('starts over from the empty state, tells its listeners, and folds the new history', async () => {
    const log = createMemoryLog();
    const errors: Error[] = [];
    const store = await openStateStore({ log, onError: (e) => errors.push(e) });
    await store.append([namespace('old-1'), namespace('old-2')]);
    const resets: Error[] = [];
    const seen: (string | undefined)[] = [];
    store.onReset((reason) => resets.push(reason));
    store.subscribe((event, _verdict, state) => seen.push(event ? event.type : `reset at ${state.offset}`));
    log.wipe();
    await eventually(() => expect(resets).toHaveLength(1));
    expect(resets[0]!.message).toMatch(/lost its history: tide\.state no longer holds the 2 records this process had folded/);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /^state store: the log tide\.state at memory no longer holds .*reached offset 2, the log now ends at 0.*following tide\.state again from its start$/,
      ),
    ]);
    expect(store.state().namespaces.size).toBe(0);
    const [fresh] = await store.append([{ ...namespace('new'), expect: null }]);
    expect(fresh).toMatchObject({ offset: 0, verdict: { accepted: true } });
    expect([...store.state().namespaces.keys()]).toEqual(['new']);
    expect(seen).toEqual(['reset at -1', 'NamespaceApplied']);
    await store.close();
  });

  it('fails an append that lands at an offset it already folded (another history) instead of answering with a stale verdict', async () => {
    const log = createMemoryLog();
    const store = await openStateStore({ log });
    await store.append([namespace('a'), namespace('b'), namespace('c')]);
    const unsubscribe = store.subscribe(() => undefined);
    // The reader has not noticed yet: appends race it.
    const append = log.append.bind(log);
    log.append = async (topic, records) => {
      log.wipe();
      log.append = append;
      return append(topic, records);
    };
    await expect(store.append([namespace('d')])).rejects.toThrow(
      /lost its history: the append landed at offset 0, which this process had already folded; .* retry it/,
    );
    unsubscribe();
    await store.close();
  });
});
