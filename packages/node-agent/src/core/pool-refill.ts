import { restartDelayMs, type BackoffPolicy } from './restart-backoff.js';

/** The pool's processes as the agent sees them. */
export interface PoolRefillView {
  /** Idle processes wanted. */
  size: number;
  /** Pooled, waiting for a pod. */
  idle: number;
  /** Started, not yet pooled. */
  warming: number;
  /** Epoch ms before which no new pool process starts (back-off after deaths). */
  notBefore?: number;
}

export interface PoolRefillPlan {
  /** How many pool processes to start now. */
  start: number;
  /** Plan again then: the back-off ends. */
  wakeAt?: number;
}

/** Starts what brings idle + warming up to size, unless a back-off is running. */
export function planPoolRefill(view: PoolRefillView, now: number): PoolRefillPlan {
  const missing = Math.max(0, view.size - view.idle - view.warming);
  if (missing === 0) return { start: 0 };
  if (view.notBefore !== undefined && view.notBefore > now) return { start: 0, wakeAt: view.notBefore };
  return { start: missing };
}

export interface PoolRespawnPlan {
  notBefore: number;
  /** The step the pool's next unasked death continues from. */
  backoffStep: number;
}

/**
 * After a pool process died without being asked to (while warming or idle), having lived ranMs:
 * the first death in a row is replaced at once (an accident: the OOM killer, a stray kill); more
 * in a row back off as pods do (policy 1 s → 0, 1 s, 2 s, 4 s, ... to the cap), and a process that
 * lived resetAfterMs starts the count over.
 */
export function planPoolRespawn(step: number, ranMs: number, now: number, policy: BackoffPolicy): PoolRespawnPlan {
  const current = ranMs >= policy.resetAfterMs ? 0 : step;
  const delayMs = current === 0 ? 0 : restartDelayMs(current - 1, policy);
  return { notBefore: now + delayMs, backoffStep: current + 1 };
}
