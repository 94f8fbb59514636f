import { describe, expect, it } from 'vitest';
import { withDefaults } from './autoscaler-spec.js';
import type { DecisionRecord } from './decision-record.js';
import type { HistoryEntry } from './history.js';
import { replayRecorded } from './replay-recorded.js';

// target 5 × 0.7 → 3.5 in flight per pod
const spec = withDefaults({ min: 0, max: 20, target: 5 });
const load = (offset: number, at: number, concurrency: number, waiting = 0): HistoryEntry => ({
  offset,
  sample: { at, concurrency, requests: 1, waiting, source: 'gw' },
});
const decided = (offset: number, record: Partial<DecisionRecord> & Pick<DecisionRecord, 'at' | 'afterOffset'>): HistoryEntry => ({
  offset,
  decision: {
    kind: 'autoscaler-decision',
    source: 'as',
    namespace: 'default',
    name: 'fn',
    given: { replicas: 1, readyPods: 1, mode: 'stable', activeSince: 0 },
    ...record,
  },
});

describe('replaying recorded decisions', () => {
  it('decides after the record it followed, not after reports appended before its own record', () => {
    // given a decision made after reading offset 0 (7 in flight → 2 pods), recorded only after a report of 35 in flight
    const history = [load(0, 1_000, 7), load(1, 1_500, 35), decided(2, { at: 1_200, afterOffset: 0, spec, windowFrom: 0 })];
    const [point] = replayRecorded(history);
    expect(point).toMatchObject({ from: 1, replicas: 2, changed: true, sameState: true });
  });

  it('carries its own state from decision to decision, and tells when it is not the recorded one', () => {
    const history = [
      load(0, 1_000, 0, 20),
      decided(1, { at: 1_000, afterOffset: 0, spec, windowFrom: 0 }),
      // the second decision was given the panic state the first one left, with 2 pods ready
      decided(2, { at: 1_500, afterOffset: 1, given: { replicas: 6, readyPods: 2, mode: 'stable' } }),
    ];
    const [first, second] = replayRecorded(history);
    expect(first).toMatchObject({ replicas: 6, mode: 'panic' });
    expect(second).toMatchObject({ from: 6, readyPods: 2, mode: 'panic', sameState: false });
  });

  it('starts a new decider (a restart) from its recorded state and the window it read back', () => {
    const history = [
      load(0, 1_000, 35),
      decided(1, { at: 1_000, afterOffset: 0, spec, windowFrom: 0 }),
      load(2, 70_000, 0),
      // restarted: its window starts at offset 2 and its pods were woken at 69 s
      decided(3, { at: 70_500, afterOffset: 2, spec, windowFrom: 2, given: { replicas: 10, readyPods: 10, mode: 'stable', activeSince: 69_000 } }),
    ];
    const points = replayRecorded(history);
    expect(points.map((p) => [p.from, p.replicas])).toEqual([
      [1, 10],
      [10, 5],
    ]);
    expect(points.every((p) => p.sameState)).toBe(true);
  });

  it('has nothing to replay without a recorded decision', () => {
    expect(replayRecorded([load(0, 1_000, 3)])).toEqual([]);
  });
});
