import { describe, expect, it } from 'vitest';
import { foldAll, newestRules, triggerManifest } from '../testing/builders.js';
import type { EventEnvelope } from '../events.js';

type Given = Omit<EventEnvelope, 'id' | 'time'>;
const TICK = Date.parse('2026-01-01T00:01:00Z');
const setup = (suspend = false): Given[] => [
  ...(newestRules() as Given[]),
  { type: 'NamespaceApplied', data: { name: 'ns' } } as Given,
  {
    type: 'TriggerApplied',
    data: { namespace: 'ns', manifest: triggerManifest('every-minute', { function: 'f', cron: { schedule: '* * * * *', suspend } }) },
  } as Given,
];
const reapply = (cron: Record<string, unknown>): Given =>
  ({
    type: 'TriggerApplied',
    data: { namespace: 'ns', manifest: triggerManifest('every-minute', { function: 'f', cron: { schedule: '* * * * *', ...cron } }) },
  }) as Given;
const fired = (tick: number): Given => ({ type: 'CronFired', data: { namespace: 'ns', name: 'every-minute', tick } }) as Given;

describe('a cron trigger applied again', () => {
  it.each([
    ['its concurrency policy changed', { concurrencyPolicy: 'Forbid' }],
    ['its schedule changed', { schedule: '*/2 * * * *' }],
    ['suspended', { suspend: true }],
  ])('still refuses a second firing of a tick it fired, when %s', (_, cron) => {
    const { state, verdicts } = foldAll([...setup(), fired(TICK), reapply(cron), fired(TICK)]);
    expect(verdicts.at(-1)).toMatchObject({ accepted: false, code: 'conflict' });
    expect(state.triggers.get('ns/every-minute')?.status).toMatchObject({ lastTick: TICK, fired: 1 });
  });

  it('remembers when it was resumed, so the ticks it slept through are not made up', () => {
    const { state } = foldAll([...setup(true), fired(TICK), reapply({ suspend: false })]);
    const status = state.triggers.get('ns/every-minute')?.status;
    // foldAll stamps event N at 1_700_000_000_000 + N s; the resume is the last event folded.
    expect(status?.activeSince).toBe(1_700_000_000_000 + state.offset * 1000);
    expect(status?.lastTick).toBe(TICK);
  });

  it('is active from its creation, and not while suspended', () => {
    const created = foldAll(setup()).state;
    expect(created.triggers.get('ns/every-minute')?.status.activeSince).toBe(1_700_000_000_000 + created.offset * 1000);
    const suspended = foldAll([...setup(), reapply({ suspend: true })]).state;
    expect(suspended.triggers.get('ns/every-minute')?.status.activeSince).toBe(created.triggers.get('ns/every-minute')?.status.activeSince);
  });
});
