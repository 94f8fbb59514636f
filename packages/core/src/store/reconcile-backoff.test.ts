import { describe, expect, it } from 'vitest';
import { foldAll } from '../testing/index.js';
import { backoffMs, isDue, nextDueAt, objectAt, REJECTED_BACKOFF, without, withFailure } from './reconcile-backoff.js';

describe('backoffMs', () => {
  it.each([
    [1, 5],
    [2, 10],
    [3, 20],
    [10, 2_560],
    [11, 5_000],
    [40, 5_000],
  ])('waits after failure %i in a row %i ms', (failures, ms) => {
    expect(backoffMs(failures, REJECTED_BACKOFF)).toBe(ms);
  });
});

describe('a key that failed', () => {
  const seen = { name: 'the object when it failed' };
  const failedTwice = withFailure(withFailure(new Map(), 'pods/default/p', 1_000, seen, REJECTED_BACKOFF), 'pods/default/p', 1_005, seen, REJECTED_BACKOFF);

  it('is not due until its back-off passed', () => {
    expect(nextDueAt(failedTwice)).toBe(1_015);
    expect(isDue(failedTwice, 'pods/default/p', 1_014, seen)).toBe(false);
    expect(isDue(failedTwice, 'pods/default/p', 1_015, seen)).toBe(true);
  });

  it('is due at once when its object changed', () => {
    expect(isDue(failedTwice, 'pods/default/p', 1_006, { name: 'changed since' })).toBe(true);
  });

  it('starts again from the base once forgotten (reset on success)', () => {
    const forgotten = without(failedTwice, (key) => key === 'pods/default/p');
    expect(nextDueAt(forgotten)).toBeUndefined();
    expect(withFailure(forgotten, 'pods/default/p', 2_000, seen, REJECTED_BACKOFF).get('pods/default/p')).toEqual({ failures: 1, notBefore: 2_005, seen });
  });

  it('leaves other keys due', () => {
    expect(isDue(failedTwice, 'pods/default/q', 1_006, undefined)).toBe(true);
  });
});

describe('objectAt', () => {
  it('finds the object an event subject names, in any collection or the leaders', () => {
    const { state } = foldAll([
      { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
      { type: 'LeaderElected', data: { role: 'scheduler', epoch: 1, holder: 'cp-a' } },
    ]);
    expect(objectAt(state, 'namespaces/default')).toBe(state.namespaces.get('default'));
    expect(objectAt(state, 'leaders/scheduler')).toBe(state.leaders.scheduler);
    expect(objectAt(state, 'pods/default/missing')).toBeUndefined();
  });
});
