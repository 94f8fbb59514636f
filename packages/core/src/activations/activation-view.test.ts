import { describe, expect, it } from 'vitest';
import type { ActivationRecord } from './activation-record.js';
import { applyActivationRecord, emptyActivationView, listActivations, readActivation, type ActivationView } from './activation-view.js';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000;

function record(id: string, over: Partial<ActivationRecord> = {}): ActivationRecord {
  return { kind: 'activation', id, namespace: 'default', function: 'hello', status: 'queued', attempts: 0, queuedAt: T0, updatedAt: T0, ...over };
}

const fold = (records: ActivationRecord[], bounds?: { perNamespace: number; maxAgeMs: number }): ActivationView =>
  records.reduce((view, r) => applyActivationRecord(view, r, bounds), emptyActivationView());

describe('the activation view', () => {
  it("keeps an activation's latest record", () => {
    const view = fold([
      record('a'),
      record('a', { status: 'running', attempts: 1, updatedAt: T0 + 1 }),
      record('a', { status: 'succeeded', attempts: 1, updatedAt: T0 + 2 }),
    ]);
    expect(readActivation(view, 'default', 'a', T0)?.status).toBe('succeeded');
  });

  it('ignores a record older than the one it holds (re-read after a restart)', () => {
    const view = fold([record('a', { status: 'succeeded', updatedAt: T0 + 5 }), record('a', { status: 'running', updatedAt: T0 + 1 })]);
    expect(readActivation(view, 'default', 'a', T0)?.status).toBe('succeeded');
  });

  it('does not mutate the view it is given', () => {
    const before = fold([record('a')]);
    applyActivationRecord(before, record('b'));
    expect(readActivation(before, 'default', 'b', T0)).toBeUndefined();
  });

  it('keeps the newest N of a namespace, forgetting the first seen', () => {
    const view = fold(
      [1, 2, 3, 4].map((i) => record(`a${i}`, { queuedAt: T0 + i, updatedAt: T0 + i })),
      { perNamespace: 3, maxAgeMs: 24 * HOUR },
    );
    expect(listActivations(view, 'default', {}, T0).map((r) => r.id)).toEqual(['a4', 'a3', 'a2']);
  });

  it('forgets activations queued more than the max age before the newest record, and hides them when read late', () => {
    const view = fold([record('old'), record('new', { queuedAt: T0 + 25 * HOUR, updatedAt: T0 + 25 * HOUR })]);
    expect(readActivation(view, 'default', 'old', T0 + 25 * HOUR)).toBeUndefined();
    expect(readActivation(view, 'default', 'new', T0 + 50 * HOUR)).toBeUndefined();
  });

  it('lists newest first, by function, up to the limit, and keeps namespaces apart', () => {
    const view = fold([
      record('a', { queuedAt: T0 + 1 }),
      record('b', { queuedAt: T0 + 2, function: 'other' }),
      record('c', { queuedAt: T0 + 3 }),
      record('d', { queuedAt: T0 + 4, namespace: 'team' }),
    ]);
    expect(listActivations(view, 'default', { function: 'hello' }, T0).map((r) => r.id)).toEqual(['c', 'a']);
    expect(listActivations(view, 'default', { limit: 1 }, T0).map((r) => r.id)).toEqual(['c']);
    expect(readActivation(view, 'team', 'a', T0)).toBeUndefined();
  });
});
