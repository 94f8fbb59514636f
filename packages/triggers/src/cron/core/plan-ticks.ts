import { nextTick, type CronTriggerSpec } from '@tide/core';

/** A tick called this long after its time (a busy event loop, a restart) is flagged late. */
export const LATE_AFTER_MS = 1000;
/** Missed ticks fired at once when the process comes back (Allow); older ones are skipped, said so. */
export const MAX_LATE_FIRES = 100;
/**
 * Ticks one plan looks at. Croner in a time zone costs ~0.3 ms a tick on these machines, so a
 * trigger down for 2 000 ticks is caught up in 5 passes of ≤ 500, each recording its skips.
 */
export const MAX_TICKS_PER_PLAN = 500;

/** What the planner needs of a cron trigger: its spec and what the fold recorded of its ticks. */
export interface CronView {
  cron: CronTriggerSpec;
  /** Ticks at or before it were fired or skipped (status.lastTick). */
  lastTick?: number;
  /** When it last became able to fire (status.activeSince): created or resumed. */
  activeSince?: number;
  /** metadata.creationTimestamp, epoch ms: the start of a trigger that never ticked. */
  createdAt: number;
}

/** In tick order, as the fold wants them: a skip covers the ticks after the previous step up to `lastTick`. */
export type CronStep = { kind: 'skip'; lastTick: number; count: number; reason: string } | { kind: 'fire'; tick: number; late: boolean };

export interface CronPlan {
  steps: CronStep[];
  /** Replace: abort this trigger's calls still running before the new tick fires. */
  abortRunning: boolean;
  /** When to plan again: the next tick (now, when this plan stopped at its bound); undefined: not until the trigger changes. */
  wakeAt?: number;
}

/**
 * The ticks of a cron trigger due by `now`, as a Kubernetes CronJob treats them: a tick missed by
 * more than startingDeadlineSeconds is skipped, a later one fires (late); ticks slept through while
 * suspended are skipped; concurrencyPolicy decides what happens while `runningTicks` (this
 * trigger's calls still running) go on.
 */
export function planTicks(view: CronView, runningTicks: readonly number[], now: number): CronPlan {
  const { cron } = view;
  if (cron.suspend) return { steps: [], abortRunning: false };
  const { ticks, next } = ticksDue(cron, view.lastTick ?? view.activeSince ?? view.createdAt, now);
  const slept = ticks.filter((t) => view.activeSince !== undefined && t <= view.activeSince);
  const awake = ticks.slice(slept.length);
  const missed = awake.filter((t) => now - t > cron.startingDeadlineSeconds * 1000);
  const due = awake.slice(missed.length);
  const steps: CronStep[] = [];
  const skip = (list: readonly number[], reason: string) => {
    if (list.length > 0) steps.push({ kind: 'skip', lastTick: list[list.length - 1]!, count: list.length, reason });
  };
  skip(slept, 'the trigger was suspended');
  skip(missed, `missed by more than ${cron.startingDeadlineSeconds}s`);
  if (next !== undefined && next <= now) {
    // Stopped at the bound: record what is surely not to fire (all but the newest MAX_LATE_FIRES seen) and come back at once.
    const keep = Math.max(0, ticks.length - MAX_LATE_FIRES);
    const older = due.slice(0, Math.max(0, keep - slept.length - missed.length));
    skip(older, `more than ${MAX_LATE_FIRES} ticks due at once: the oldest are skipped`);
    return { steps, abortRunning: false, wakeAt: now };
  }
  const fire = firedByPolicy(cron.concurrencyPolicy, due, runningTicks, skip);
  for (const tick of fire) steps.push({ kind: 'fire', tick, late: now - tick > LATE_AFTER_MS });
  return {
    steps,
    abortRunning: cron.concurrencyPolicy === 'Replace' && fire.length > 0 && runningTicks.length > 0,
    ...(next === undefined ? {} : { wakeAt: next }),
  };
}

/** Which due ticks fire under the policy; the others are skipped (through `skip`, in tick order). */
function firedByPolicy(
  policy: CronTriggerSpec['concurrencyPolicy'],
  due: readonly number[],
  runningTicks: readonly number[],
  skip: (list: readonly number[], reason: string) => void,
): readonly number[] {
  if (due.length === 0) return due;
  if (policy === 'Forbid' && runningTicks.length > 0) {
    skip(due, `Forbid: the run of ${iso(Math.min(...runningTicks))} is still running`);
    return [];
  }
  // One run at a time: of several missed ticks only the newest runs (the others would overlap it, or be aborted by it).
  if (policy !== 'Allow' && due.length > 1) {
    skip(due.slice(0, -1), `${policy}: only the newest of ${due.length} due ticks runs`);
    return due.slice(-1);
  }
  if (due.length > MAX_LATE_FIRES) {
    skip(due.slice(0, -MAX_LATE_FIRES), `more than ${MAX_LATE_FIRES} ticks due at once: the oldest are skipped`);
    return due.slice(-MAX_LATE_FIRES);
  }
  return due;
}

/** The ticks after `after` up to `now`, at most MAX_TICKS_PER_PLAN, and the tick after the last of them. */
function ticksDue(cron: CronTriggerSpec, after: number, now: number): { ticks: number[]; next: number | undefined } {
  const ticks: number[] = [];
  let next = nextTick(cron.schedule, cron.timeZone, after);
  while (next !== undefined && next <= now && ticks.length < MAX_TICKS_PER_PLAN) {
    ticks.push(next);
    next = nextTick(cron.schedule, cron.timeZone, next);
  }
  return { ticks, next };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
