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
