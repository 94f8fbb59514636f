import type { PodExit } from './exit-reason.js';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A pod that ran at least this long before exiting starts again from initialMs. */
  resetAfterMs: number;
}

/**
 * Kubernetes' CrashLoopBackOff curve: 1 s, 2 s, 4 s, ... 256 s, then 5 min for every further crash,
 * and back to 1 s once a pod ran 10 min without crashing.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 300_000, resetAfterMs: 600_000 };

export interface RestartPlan {
  nextRestartAt: number;
  /** The step the pod's next exit continues from. */
  backoffStep: number;
}

/** When to restart a pod that exited at `now` after running ranMs, being at back-off step `step`. */
export function planRestart(step: number, ranMs: number, now: number, policy: BackoffPolicy): RestartPlan {
  const current = ranMs >= policy.resetAfterMs ? 0 : step;
  return { nextRestartAt: now + restartDelayMs(current, policy), backoffStep: current + 1 };
}

export function restartDelayMs(step: number, policy: BackoffPolicy): number {
  // 2 ** step becomes Infinity for huge steps, which Math.min caps like any other big delay.
  return Math.min(policy.initialMs * 2 ** step, policy.maxMs);
}

/** A restart planned for an exit: `backingOff` = it waits out a crash back-off (reported as nextRestartAt). */
export interface ExitRestartPlan extends RestartPlan {
  backingOff: boolean;
}

/**
 * What follows an exit. A pod that ended itself because a call ran past its timeout is replaced at
 * once, as Lambda replaces an execution environment after a timeout: the pod did what it should, it
 * is not a crash. Its back-off step stays where it was (neither grown nor reset), so a pod that also
 * crashes still backs off, and a function that times out on every call still gets a pod per call.
 * Any other exit is a crash, under the back-off.
 */
export function planRestartAfter(exit: PodExit, step: number, ranMs: number, now: number, policy: BackoffPolicy): ExitRestartPlan {
  if (exit.recycleReason !== undefined && exit.killReason === undefined) return { nextRestartAt: now, backoffStep: step, backingOff: false };
  return { ...planRestart(step, ranMs, now, policy), backingOff: true };
}
