import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore, type StateStore } from '@tide/core';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { createFakeClock, eventually, makeTempDir } from '@tide/testkit/testing';
import { artifactsToCollect, startArtifactGc } from './artifact-gc.js';
import { openArtifactStore } from './adapters/artifact-store.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const [A, B, C, D] = [digest('a'), digest('b'), digest('c'), digest('d')];
const HOUR = 3_600_000;
const NOW = 1_800_000_000_000;

let log: MemoryLog;
let store: StateStore;

const apply = (name: string, artifact: string) =>
  store.append([
    {
      type: 'FunctionApplied',
      data: { namespace: 'default', manifest: { apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name }, spec: { source: { artifact } } } },
    },
  ]);

beforeEach(async () => {
  log = createMemoryLog();
  store = await openStateStore({ log });
  await store.append([{ type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
});
afterEach(async () => {
  await store.close();
  await log.close();
});

describe('which artifacts to collect', () => {
  it('keeps what any revision names and what was stored within the grace period; collects the rest', async () => {
    await apply('hello', A);
    await apply('hello', B); // revision 1 still names A
    const stored = [
      { digest: A, storedAt: NOW - 2 * HOUR },
      { digest: B, storedAt: NOW - 2 * HOUR },
      { digest: C, storedAt: NOW - 2 * HOUR },
      { digest: D, storedAt: NOW - HOUR + 1 },
    ];
    expect(artifactsToCollect(store.state(), stored, NOW, HOUR)).toEqual([C]);
    expect(artifactsToCollect(store.state(), stored, NOW + 1, HOUR)).toEqual([C, D]);

    await store.append([{ type: 'FunctionDeleted', data: { namespace: 'default', name: 'hello' } }]);
    expect(artifactsToCollect(store.state(), stored, NOW, HOUR)).toEqual([A, B, C]);
  });
});

describe('the artifact GC loop', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => dir.remove());

  it('deletes an unreferenced upload once its grace has passed, and never one a function names', async () => {
    const artifacts = await openArtifactStore(dir.path);
    const kept = await artifacts.put(Readable.from([Buffer.from('export default "kept"')]), 1000, { namespace: 'default' });
    const orphan = await artifacts.put(Readable.from([Buffer.from('export default "orphan"')]), 1000, { namespace: 'default' });
    await apply('hello', kept.digest);
    const clock = createFakeClock(Date.now());
    const collected: string[] = [];
    const gc = startArtifactGc({ state: () => store.state(), artifacts, clock, graceMs: HOUR, intervalMs: 60_000, onCollected: (d) => collected.push(d) });
    try {
      expect(await gc.collect()).toEqual([]); // within the grace, nothing goes
      clock.advance(HOUR + 60_000); // the loop's own pass falls due
      await eventually(() => expect(collected).toEqual([orphan.digest]), { timeoutMs: 5000 });
      expect(await artifacts.has(orphan.digest)).toBe(false);
      expect(await artifacts.has(kept.digest)).toBe(true);
      expect(await artifacts.bytesOf('default')).toBe(kept.size);
    } finally {
      await gc.stop();
    }
  });
});
