import { describe, expect, it } from 'vitest';
import type { ReplicaSample } from '../pod-sampler.js';
import {
  type AcceptedReservation,
  failures,
  formatFigures,
  type ObservedRun,
  orderOf,
  podStrip,
  reservationFigures,
  triggerLagIn,
} from './reservation-figures.js';

/** Accepted one after the other, each sent after the one before was accepted. */
const inTurn = (ids: string[], person = 'p'): AcceptedReservation[] => ids.map((id, i) => ({ id, person, sentAtMs: i * 10, acceptedAtMs: i * 10 + 5 }));
const sample = (atMs: number, pods: number[]): ReplicaSample => ({ atMs, pods, ready: pods, desired: pods });

function run(overrides: Partial<ObservedRun> = {}): ObservedRun {
  return {
    plan: { reservations: 3, persons: 2, concurrency: 2, resendEvery: 20 },
    accepted: inTurn(['a', 'b', 'c']),
    resent: 1,
    refused: {},
    spikeMs: 1000,
    drainMs: 3000,
    report: { reserved: 3, persons: 2, bySlot: { mon: 3 }, ids: { p: ['a', 'b', 'c'] } },
    names: ['gate', 'reserve'],
    samples: [sample(0, [0, 0]), sample(1000, [2, 1]), sample(3000, [1, 1]), sample(9000, [0, 0])],
    drainedAtMs: 3000,
    triggerLagPeak: 40,
    backlogPeak: 2,
    ...overrides,
  };
}

describe('the figures of a reservations run', () => {
  it('counts none lost or doubled when every accepted id is reserved once, and meets its goals', () => {
    const f = reservationFigures(run());
    expect(f).toMatchObject({ accepted: 3, reserved: 3, lost: 0, doubled: 0, unconfirmed: 0, outOfOrder: 0, orderedPairs: 3 });
    expect(f.pods).toEqual([
      { name: 'gate', maxReady: 2, maxPods: 2, zeroAfterDrainMs: 6000 },
      { name: 'reserve', maxReady: 1, maxPods: 1, zeroAfterDrainMs: 6000 },
    ]);
    expect(failures(f)).toEqual([]);
  });

  it('counts an accepted id missing from the report as lost, and a count beyond the ids as doubled', () => {
    const f = reservationFigures(run({ report: { reserved: 3, persons: 2, bySlot: { mon: 3 }, ids: { p: ['a', 'b'] } } }));
    expect([f.lost, f.doubled]).toEqual([1, 1]);
    expect(failures(f)).toEqual(['1 accepted reservations were lost', '1 reservations were counted twice']);
  });

  it('fails a run that never drained', () => {
    expect(failures(reservationFigures(run({ drainMs: undefined, drainedAtMs: undefined })))).toContain('report never counted every accepted reservation');
  });

  it('tells reserved ids gate never confirmed apart from lost ones', () => {
    const f = reservationFigures(run({ accepted: inTurn(['a', 'b']), report: { reserved: 3, persons: 2, bySlot: {}, ids: { p: ['a', 'b', 'c'] } } }));
    expect([f.lost, f.unconfirmed]).toEqual([0, 1]);
  });

  it('prints the figures a reader checks', () => {
    const text = formatFigures(reservationFigures(run()), () => '');
    expect(text).toMatch(/^accepted {5}3/m);
    expect(text).toMatch(/^lost {9}0 {3}\(goal 0\)/m);
    expect(text).toMatch(/^doubled {6}0 {3}\(goal 0; 1 accepted/m);
    expect(text).toMatch(/^out of order 0 {3}\(goal 0/m);
    expect(text).toMatch(/^drained in {3}3\.0 s/m);
    expect(text).toMatch(/trigger lag {2}peak 40/);
    expect(text).toMatch(/^ {2}gate +2 +2 +6\.0 s/m);
  });
});

describe("a person's order", () => {
  it('counts a pair reserved the other way round when the first was accepted before the second was sent', () => {
    expect(orderOf(inTurn(['a', 'b', 'c']), { p: ['a', 'b', 'c'] })).toEqual({ outOfOrder: 0, pairs: 3 });
    expect(orderOf(inTurn(['a', 'b', 'c']), { p: ['b', 'a', 'c'] })).toEqual({ outOfOrder: 1, pairs: 3 });
    expect(failures(reservationFigures(run({ report: { reserved: 3, persons: 1, bySlot: {}, ids: { p: ['c', 'b', 'a'] } } })))).toEqual([
      "3 pairs of one person's reservations were reserved out of order",
    ]);
  });

  it('asks no order of two sent at the same time, nor across persons', () => {
    const together: AcceptedReservation[] = [
      { id: 'a', person: 'p', sentAtMs: 0, acceptedAtMs: 10 },
      { id: 'b', person: 'p', sentAtMs: 5, acceptedAtMs: 8 },
    ];
    expect(orderOf(together, { p: ['b', 'a'] })).toEqual({ outOfOrder: 0, pairs: 0 });
    expect(orderOf([...inTurn(['a'], 'p'), ...inTurn(['b'], 'q')], { p: ['a'], q: ['b'] })).toEqual({ outOfOrder: 0, pairs: 0 });
  });
});

describe('tide_trigger_lag in a metrics page', () => {
  it('sums the series, and is undefined when the page has none', () => {
    const page = '# HELP tide_trigger_lag x\ntide_trigger_lag{trigger="a",partition="0"} 3\ntide_trigger_lag{trigger="a",partition="1"} 4\nother 9\n';
    expect(triggerLagIn(page)).toBe(7);
    expect(triggerLagIn('other 1\n')).toBeUndefined();
  });
});

describe('a strip of pods over time', () => {
  it('shows the most pods of each second, dots for none', () => {
    expect(podStrip([sample(0, [0]), sample(1000, [2]), sample(1500, [3]), sample(2000, [0])], 0)).toBe('.3.');
  });
});
