import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openWindow, pending, room, settle, takeReady, takeRecords, watermark, type DeliveryPolicy, type Ordering } from './partition-window.js';

const rec = (offset: number, key: string | null) => ({ offset, key });
const keyed = (keys: (string | null)[], from = 0) => keys.map((k, i) => rec(from + i, k));

describe('a partition window', () => {
  it('delivers the head of each key in parallel and holds later records of a key', () => {
    const w = takeRecords(openWindow(0), keyed(['a', 'b', 'a', 'c', 'b']));
    const { batches } = takeReady(w, { ordering: 'key', maxInFlight: 10, batchSize: 1 }, 0);
    expect(batches).toEqual([[0], [1], [3]]);
  });

  it('puts at most one record per key in a batch', () => {
    const w = takeRecords(openWindow(0), keyed(['a', 'a', 'b', 'b', 'c']));
    expect(takeReady(w, { ordering: 'key', maxInFlight: 10, batchSize: 10 }, 0).batches).toEqual([[0, 2, 4]]);
  });

  it('lets a key go on once its earlier record is done, and waits while it backs off', () => {
    const policy: DeliveryPolicy = { ordering: 'key', maxInFlight: 10, batchSize: 1 };
    let w = takeRecords(openWindow(0), keyed(['a', 'a']));
    w = takeReady(w, policy, 0).window;
    w = settle(w, [{ offset: 0, outcome: 'retry', retryAt: 1000 }]);
    expect(takeReady(w, policy, 999).batches).toEqual([]);
    const retried = takeReady(w, policy, 1000);
    expect(retried.batches).toEqual([[0]]);
    w = settle(retried.window, [{ offset: 0, outcome: 'done' }]);
    expect(takeReady(w, policy, 1000).batches).toEqual([[1]]);
  });

  it('sends a lone record at once when idle, but only whole batches while a call is in flight', () => {
    const policy: DeliveryPolicy = { ordering: 'key', maxInFlight: 16, batchSize: 3 };
    const idle = takeReady(takeRecords(openWindow(0), keyed(['a'])), policy, 0);
    expect(idle.batches).toEqual([[0]]);
    // One call is in flight: two new records make no whole batch and wait; a third fills one.
    let w = takeRecords(idle.window, keyed(['b', 'c'], 1));
    expect(takeReady(w, policy, 0).batches).toEqual([]);
    w = takeRecords(w, keyed(['d', 'e'], 3));
    const busy = takeReady(w, policy, 0);
    expect(busy.batches).toEqual([[1, 2, 3]]);
    // The first call ends: what is left goes, whole or not, once nothing is in flight.
    w = settle(busy.window, [{ offset: 0, outcome: 'done' }]);
    expect(takeReady(w, policy, 0).batches).toEqual([]);
    w = settle(
      w,
      [1, 2, 3].map((offset) => ({ offset, outcome: 'done' as const })),
    );
    expect(takeReady(w, policy, 0).batches).toEqual([[4]]);
  });

  it('delivers one record at a time under partition ordering', () => {
    const policy: DeliveryPolicy = { ordering: 'partition', maxInFlight: 10, batchSize: 10 };
    const w = takeRecords(openWindow(0), keyed(['a', 'b', 'c']));
    const first = takeReady(w, policy, 0);
    expect(first.batches).toEqual([[0]]);
    expect(takeReady(first.window, policy, 0).batches).toEqual([]);
  });

  it('delivers anything under no ordering, up to maxInFlight calls', () => {
    const w = takeRecords(openWindow(0), keyed(['a', 'a', 'a', 'a', 'a']));
    expect(takeReady(w, { ordering: 'none', maxInFlight: 2, batchSize: 2 }, 0).batches).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('keeps the watermark at the lowest record not done, even when later ones are', () => {
    const policy: DeliveryPolicy = { ordering: 'none', maxInFlight: 10, batchSize: 1 };
    let w = takeRecords(openWindow(5), keyed(['a', 'b', 'c'], 5));
    w = takeReady(w, policy, 0).window;
    w = settle(w, [{ offset: 6, outcome: 'done' }]);
    w = settle(w, [{ offset: 7, outcome: 'done' }]);
    expect(watermark(w)).toBe(5);
    expect(room(w, 10)).toBe(7);
    w = settle(w, [{ offset: 5, outcome: 'done' }]);
    expect(watermark(w)).toBe(8);
    expect(room(w, 10)).toBe(10);
  });

  it('ignores records it has taken already and passes records remembered done', () => {
    let w = takeRecords(openWindow(0), [
      { offset: 0, key: 'a', done: true },
      { offset: 1, key: 'a', attempts: 2, dueAt: 50 },
    ]);
    w = takeRecords(w, keyed(['a', 'a'], 0));
    expect(watermark(w)).toBe(1);
    expect(w.entries).toHaveLength(1);
    expect(w.entries[0]).toMatchObject({ attempts: 2, dueAt: 50 });
    expect(pending(w)).toEqual({ records: 1, keys: 1 });
  });
});

/** A run with random keys, random batch outcomes and random order of settling calls. */
const scenario = fc.record({
  keys: fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { freq: 8 }), { minLength: 1, maxLength: 60 }),
  ordering: fc.constantFrom<Ordering>('key', 'partition', 'none'),
  maxInFlight: fc.integer({ min: 1, max: 5 }),
  batchSize: fc.integer({ min: 1, max: 4 }),
  chunk: fc.integer({ min: 1, max: 20 }),
  choices: fc.array(fc.nat(1000), { minLength: 200, maxLength: 200 }),
});

describe('a partition window, for any run', () => {
  it('never breaks per-key order, never lets the watermark pass an undone record, and ends with every record done', () => {
    fc.assert(
      fc.property(scenario, ({ keys, ordering, maxInFlight, batchSize, chunk, choices }) => {
        const policy = { ordering, maxInFlight, batchSize };
        const records = keyed(keys);
        let w = openWindow(0);
        let now = 0;
        let taken = 0;
        let step = 0;
        const calls: number[][] = [];
        const done = new Set<number>();
        const choose = () => choices[step++ % choices.length]!;
        for (let guard = 0; guard < 10_000; guard++) {
          if (taken < records.length && room(w, 30) > 0) {
            const n = Math.min(chunk, room(w, 30), records.length - taken);
            w = takeRecords(w, records.slice(taken, taken + n));
            taken += n;
          }
          const ready = takeReady(w, policy, now);
          w = ready.window;
          for (const batch of ready.batches) {
            if (ordering === 'key') expect(new Set(batch.map((o) => records[o]!.key ?? `#${o}`)).size).toBe(batch.length);
            for (const o of batch) {
              const key = records[o]!.key;
              if (ordering !== 'none' && key !== null)
                for (const earlier of records.slice(0, o)) if (earlier.key === key || ordering === 'partition') expect(done.has(earlier.offset)).toBe(true);
            }
            calls.push(batch);
          }
          expect(w.callsInFlight).toBeLessThanOrEqual(maxInFlight);
          if (calls.length === 0) {
            if (taken === records.length && w.entries.every((e) => e.phase === 'done')) break;
            now += 1000;
            continue;
          }
          const [batch] = calls.splice(choose() % calls.length, 1);
          // Late in the run every attempt succeeds, so the run ends.
          const outcomes = batch!.map((offset) =>
            step > 150 || choose() % 3 !== 0
              ? { offset, outcome: 'done' as const }
              : { offset, outcome: 'retry' as const, retryAt: now + (choose() % 3) * 500 },
          );
          w = settle(w, outcomes);
          for (const o of outcomes) if (o.outcome === 'done') done.add(o.offset);
          const mark = watermark(w);
          for (const r of records.slice(0, Math.min(mark, taken))) expect(done.has(r.offset)).toBe(true);
        }
        expect(done.size).toBe(records.length);
        expect(watermark(w)).toBe(records.length);
      }),
      { numRuns: 300 },
    );
  });
});
