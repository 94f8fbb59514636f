import { describe, expect, it } from 'vitest';
import { foldAll, newestRules, triggerManifest } from '../testing/builders.js';
import { formatThreeJson } from '../testing/older-snapshot.js';
import { decodeSnapshot, encodeSnapshot } from '../snapshot.js';
import type { TriggerSpec } from '../resources/trigger.js';
import type { z } from 'zod';

const raise = newestRules().map((e) => ({ ...e, data: e.data })) as { type: 'RulesVersionRaised'; data: { version: number } }[];
const team = { type: 'NamespaceApplied', data: { name: 'team', labels: {}, annotations: {} } } as const;
const everyMinute = { schedule: '* * * * *' };
const apply = (name: string, spec: z.input<typeof TriggerSpec>, namespace = 'team') =>
  ({ type: 'TriggerApplied', data: { namespace, manifest: triggerManifest(name, spec) } }) as const;
const nightly = (cron: Record<string, unknown> = everyMinute) => apply('nightly', { function: 'report', cron: { ...everyMinute, ...cron } });
const orders = apply('orders', { function: 'reserve', kafka: { topics: ['orders'] } });
const fired = (tick: number, name = 'nightly') => ({ type: 'CronFired', data: { namespace: 'team', name, tick, late: false } }) as const;
const skipped = (lastTick: number, count: number) =>
  ({ type: 'CronSkipped', data: { namespace: 'team', name: 'nightly', lastTick, count, reason: 'missed beyond startingDeadlineSeconds' } }) as const;
const MIN = 60_000;

describe('triggers in the fold (rules version 3)', () => {
  it('applies a trigger into an existing namespace only, naming the namespace', () => {
    const { state, verdicts } = foldAll([...raise, apply('lost', { function: 'f', cron: everyMinute }), team, nightly()]);
    expect(verdicts.at(-3)).toMatchObject({ accepted: false, code: 'not-found', reason: 'namespace team not found' });
    expect(verdicts.at(-1)).toEqual({ accepted: true });
    expect(state.triggers.get('team/nightly')).toMatchObject({
      kind: 'Trigger',
      metadata: { name: 'nightly', namespace: 'team', generation: 1 },
      spec: { function: 'report', delivery: 'auto', cron: { schedule: '* * * * *', timeZone: 'UTC' } },
      status: { fired: 0, skipped: 0 },
    });
  });

  it('accepts a trigger whose function does not exist yet (as Knative does)', () => {
    const { state, verdicts } = foldAll([...raise, team, orders]);
    expect(verdicts.at(-1)).toEqual({ accepted: true });
    expect(state.functions.size).toBe(0);
    expect(state.triggers.get('team/orders')?.spec.kafka?.topics).toEqual(['orders']);
  });

  it('keeps the cron status across every re-apply, even of a changed schedule: a fired tick never fires again', () => {
    const same = foldAll([...raise, team, nightly(), fired(MIN), { ...nightly(), id: 'again' }]).state;
    expect(same.triggers.get('team/nightly')).toMatchObject({ metadata: { generation: 1 }, status: { lastTick: MIN, fired: 1 } });
    const changed = foldAll([...raise, team, nightly(), fired(MIN), nightly({ schedule: '*/5 * * * *' }), fired(MIN)]);
    expect(changed.state.triggers.get('team/nightly')).toMatchObject({ metadata: { generation: 2 }, status: { lastTick: MIN, fired: 1 } });
    expect(changed.verdicts.at(-1)).toMatchObject({ accepted: false, code: 'conflict' });
  });

  it('moves resourceVersion but not generation on a label change or a firing', () => {
    const labelled = {
      type: 'TriggerApplied',
      data: { namespace: 'team', manifest: { ...nightly().data.manifest, metadata: { name: 'nightly', labels: { a: 'b' } } } },
    } as const;
    const { state } = foldAll([...raise, team, nightly(), labelled, fired(MIN)]);
    const t = state.triggers.get('team/nightly')!;
    expect(t.metadata).toMatchObject({ generation: 1, labels: { a: 'b' }, resourceVersion: String(state.offset) });
  });

  it('fires one CronFired per tick, in tick order: the same or an earlier tick is a conflict', () => {
    const { state, verdicts } = foldAll([...raise, team, nightly(), fired(2 * MIN), fired(2 * MIN), fired(MIN), fired(3 * MIN)]);
    expect(verdicts.slice(-4)).toMatchObject([
      { accepted: true },
      { accepted: false, code: 'conflict', reason: expect.stringContaining('already fired or skipped tick 1970-01-01T00:02:00.000Z') },
      { accepted: false, code: 'conflict' },
      { accepted: true },
    ]);
    expect(state.triggers.get('team/nightly')?.status).toMatchObject({ lastTick: 3 * MIN, fired: 2, skipped: 0 });
  });

  it('refuses a firing of a trigger that does not exist, and of a kafka trigger', () => {
    const { verdicts } = foldAll([...raise, team, orders, fired(MIN, 'ghost'), fired(MIN, 'orders')]);
    expect(verdicts.at(-2)).toMatchObject({ accepted: false, code: 'not-found', reason: 'trigger team/ghost not found' });
    expect(verdicts.at(-1)).toMatchObject({ accepted: false, code: 'invalid', reason: 'trigger team/orders is not a cron trigger' });
  });

  it('counts skipped ticks and will not fire a tick at or before the last one skipped', () => {
    const { state, verdicts } = foldAll([...raise, team, nightly(), fired(MIN), skipped(4 * MIN, 3), fired(4 * MIN), skipped(4 * MIN, 1), fired(5 * MIN)]);
    expect(verdicts.slice(-4).map((v) => v.accepted)).toEqual([true, false, false, true]);
    expect(state.triggers.get('team/nightly')?.status).toMatchObject({ lastTick: 5 * MIN, fired: 2, skipped: 3 });
  });

  it('deletes a trigger, and says not-found for one that is not there', () => {
    const del = { type: 'TriggerDeleted', data: { namespace: 'team', name: 'nightly' } } as const;
    const { state, verdicts } = foldAll([...raise, team, nightly(), del, del]);
    expect(verdicts.at(-2)).toEqual({ accepted: true });
    expect(verdicts.at(-1)).toMatchObject({ accepted: false, code: 'not-found' });
    expect(state.triggers.size).toBe(0);
  });

  it("deleting a namespace deletes its triggers and no other namespace's", () => {
    const other = { type: 'NamespaceApplied', data: { name: 'other', labels: {}, annotations: {} } } as const;
    const { state } = foldAll([
      ...raise,
      team,
      other,
      nightly(),
      apply('nightly', { function: 'report', cron: everyMinute }, 'other'),
      { type: 'NamespaceDeleted', data: { name: 'team' } },
    ]);
    expect([...state.triggers.keys()]).toEqual(['other/nightly']);
  });

  it('refuses the four trigger events under rules versions 1 and 2 (unsupported-rules)', () => {
    const del = { type: 'TriggerDeleted', data: { namespace: 'team', name: 'nightly' } } as const;
    for (const upTo of [0, 1]) {
      const { state, verdicts } = foldAll([...raise.slice(0, upTo), team, nightly(), fired(MIN), skipped(MIN, 1), del]);
      expect(state.rulesVersion).toBe(upTo + 1);
      for (const v of verdicts.slice(-4))
        expect(v).toMatchObject({ accepted: false, code: 'unsupported-rules', reason: expect.stringContaining('needs fold rules version 3') });
      expect(state.triggers.size).toBe(0);
    }
  });

  it('round-trips triggers through a snapshot, and reads a snapshot without triggers as having none', () => {
    const { state } = foldAll([...raise, team, nightly(), orders, fired(MIN)]);
    const restored = decodeSnapshot(encodeSnapshot(state));
    expect(restored.triggers.get('team/nightly')?.status).toMatchObject({ lastTick: MIN, fired: 1 });
    expect(encodeSnapshot(restored)).toEqual(encodeSnapshot(state));
    const { triggers: _dropped, ...older } = formatThreeJson(encodeSnapshot(foldAll([team]).state));
    expect(older.format).toBe(3);
    const read = decodeSnapshot(new TextEncoder().encode(JSON.stringify(older)));
    expect(read.triggers.size).toBe(0);
    expect([...read.namespaces.keys()]).toEqual(['team']);
  });
});
