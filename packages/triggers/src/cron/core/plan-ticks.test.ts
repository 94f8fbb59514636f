import { describe, expect, it } from 'vitest';
import { CronTriggerSpec } from '@tide/core';
import { planTicks, type CronStep, type CronView } from './plan-ticks.js';

const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const T0 = at('2026-01-01T00:00:00Z');

function view(cron: Partial<CronTriggerSpec> & { schedule: string }, status: Partial<Omit<CronView, 'cron'>> = {}): CronView {
  return { cron: CronTriggerSpec.parse(cron), createdAt: T0, ...status };
}
const fire = (tick: number, late = false): CronStep => ({ kind: 'fire', tick, late });
const skip = (lastTick: number, count: number, reason: string): CronStep => ({ kind: 'skip', lastTick, count, reason });

describe('planTicks: the ticks of a cron trigger due by now', () => {
  it.each<[string, CronView, readonly number[], number, CronStep[], number | undefined]>([
    ['nothing before the first tick', view({ schedule: '* * * * *' }, { lastTick: T0 }), [], T0 + 30_000, [], T0 + MIN],
    ['a tick on time', view({ schedule: '* * * * *' }, { lastTick: T0 }), [], T0 + MIN + 20, [fire(T0 + MIN)], T0 + 2 * MIN],
    [
      'a tick 30 s late, within the 60 s deadline',
      view({ schedule: '* * * * *' }, { lastTick: T0 }),
      [],
      T0 + MIN + 30_000,
      [fire(T0 + MIN, true)],
      T0 + 2 * MIN,
    ],
    ['a trigger that never ticked starts at its creation', view({ schedule: '*/5 * * * *' }), [], T0 + 5 * MIN, [fire(T0 + 5 * MIN)], T0 + 10 * MIN],
    [
      'ticks missed beyond startingDeadlineSeconds are one skip, later ones fire late',
      view({ schedule: '* * * * *', startingDeadlineSeconds: 120 }, { lastTick: T0 }),
      [],
      T0 + 10 * MIN + 5_000,
      // now − 120 s = 8:05: ticks 1..8 are missed by more than 120 s, 9 and 10 fire.
      [skip(T0 + 8 * MIN, 8, 'missed by more than 120s'), fire(T0 + 9 * MIN, true), fire(T0 + 10 * MIN, true)],
      T0 + 11 * MIN,
    ],
    [
      'a suspended trigger fires nothing and sleeps until it changes',
      view({ schedule: '* * * * *', suspend: true }, { lastTick: T0 }),
      [],
      T0 + 5 * MIN,
      [],
      undefined,
    ],
    [
      'ticks slept through while suspended are skipped on resume, not made up',
      view({ schedule: '* * * * *' }, { lastTick: T0, activeSince: T0 + 3 * MIN + 10_000 }),
      [],
      T0 + 4 * MIN + 10,
      [skip(T0 + 3 * MIN, 3, 'the trigger was suspended'), fire(T0 + 4 * MIN)],
      T0 + 5 * MIN,
    ],
    [
      'Forbid: a tick due while the previous run goes on is skipped',
      view({ schedule: '* * * * *', concurrencyPolicy: 'Forbid' }, { lastTick: T0 }),
      [T0],
      T0 + MIN,
      [skip(T0 + MIN, 1, 'Forbid: the run of 2026-01-01T00:00:00.000Z is still running')],
      T0 + 2 * MIN,
    ],
    [
      'Forbid: of several missed ticks only the newest runs',
      view({ schedule: '* * * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 600 }, { lastTick: T0 }),
      [],
      T0 + 3 * MIN,
      [skip(T0 + 2 * MIN, 2, 'Forbid: only the newest of 3 due ticks runs'), fire(T0 + 3 * MIN)],
      T0 + 4 * MIN,
    ],
    [
      'Replace: the new tick fires (the running call is aborted)',
      view({ schedule: '* * * * *', concurrencyPolicy: 'Replace' }, { lastTick: T0 }),
      [T0],
      T0 + MIN,
      [fire(T0 + MIN)],
      T0 + 2 * MIN,
    ],
    ['Allow: runs overlap', view({ schedule: '* * * * *' }, { lastTick: T0 }), [T0], T0 + MIN, [fire(T0 + MIN)], T0 + 2 * MIN],
    [
      'six fields: seconds',
      view({ schedule: '*/10 * * * * *' }, { lastTick: T0 }),
      [],
      T0 + 35_000,
      [fire(T0 + 10_000, true), fire(T0 + 20_000, true), fire(T0 + 30_000, true)],
      T0 + 40_000,
    ],
    [
      'daylight saving in Paris: 02:30 that does not exist on 29 March runs once, at 03:30 summer time',
      view({ schedule: '30 2 * * *', timeZone: 'Europe/Paris', startingDeadlineSeconds: 86_400 }, { lastTick: at('2026-03-28T01:30:00Z') }),
      [],
      at('2026-03-29T12:00:00Z'),
      [fire(at('2026-03-29T01:30:00Z'), true)],
      at('2026-03-30T00:30:00Z'),
    ],
    [
      'daylight saving in Paris: 02:30 that happens twice on 25 October runs once',
      view({ schedule: '30 2 * * *', timeZone: 'Europe/Paris', startingDeadlineSeconds: 86_400 }, { lastTick: at('2026-10-24T00:30:00Z') }),
      [],
      at('2026-10-25T12:00:00Z'),
      [fire(at('2026-10-25T00:30:00Z'), true)],
      at('2026-10-26T01:30:00Z'),
    ],
  ])('%s', (_, trigger, running, now, steps, wakeAt) => {
    const plan = planTicks(trigger, running, now);
    expect(plan.steps).toEqual(steps);
    expect(plan.wakeAt).toBe(wakeAt);
  });

  it('aborts the running call under Replace only', () => {
    const running = [T0];
    expect(planTicks(view({ schedule: '* * * * *', concurrencyPolicy: 'Replace' }, { lastTick: T0 }), running, T0 + MIN).abortRunning).toBe(true);
    expect(planTicks(view({ schedule: '* * * * *', concurrencyPolicy: 'Allow' }, { lastTick: T0 }), running, T0 + MIN).abortRunning).toBe(false);
    expect(planTicks(view({ schedule: '* * * * *', concurrencyPolicy: 'Replace' }, { lastTick: T0 }), [], T0 + MIN).abortRunning).toBe(false);
  });

  it('fires at most 100 late ticks at once, the older ones skipped and said', () => {
    const plan = planTicks(view({ schedule: '* * * * * *', startingDeadlineSeconds: 3600 }, { lastTick: T0 }), [], T0 + 300_000);
    expect(plan.steps[0]).toEqual(skip(T0 + 200_000, 200, 'more than 100 ticks due at once: the oldest are skipped'));
    // Late means called more than 1 s after the tick: the last two (299 s and 300 s) are on time.
    expect(plan.steps.slice(1)).toEqual(Array.from({ length: 100 }, (_, i) => fire(T0 + 201_000 + i * 1000, i < 98)));
  });

  it('catches up a long outage in bounded passes, accounting for every tick exactly once', () => {
    // A 1-second schedule, down 2 000 s, deadline 60 s: 1 939 ticks missed by more than 60 s skipped, 61 fired.
    let trigger = view({ schedule: '* * * * * *' }, { lastTick: T0 });
    const now = T0 + 2_000_000;
    let skipped = 0;
    const fired: number[] = [];
    for (let pass = 0; pass < 10; pass++) {
      const plan = planTicks(trigger, [], now);
      for (const step of plan.steps) {
        // As the fold does: each step must be after lastTick.
        if (step.kind === 'skip') {
          expect(step.lastTick).toBeGreaterThan(trigger.lastTick!);
          skipped += step.count;
          trigger = { ...trigger, lastTick: step.lastTick };
        } else {
          expect(step.tick).toBeGreaterThan(trigger.lastTick!);
          fired.push(step.tick);
          trigger = { ...trigger, lastTick: step.tick };
        }
      }
      if (plan.wakeAt !== now) break;
    }
    expect(skipped).toBe(1939);
    expect(fired).toEqual(Array.from({ length: 61 }, (_, i) => T0 + 1_940_000 + i * 1000));
    expect(trigger.lastTick).toBe(now);
  });
});
