import type { AutoscalerSpec } from './autoscaler-spec.js';
import type { ScaleMode, ScalerState } from './scaler-state.js';

export type PanicEvent = 'entered' | 'extended' | 'holding' | 'ended' | 'none';

export interface PanicStep {
  readonly mode: ScaleMode;
  readonly event: PanicEvent;
  readonly panicSince?: number;
  /** While panicking: the floor of this decision (most pods asked for since panic began). */
  readonly floor?: number;
}

/**
 * Knative's panic transitions. Panic starts (or is prolonged: panicSince moves to now) whenever the
 * panic window asks for panicThreshold × the ready pods (ready=4, threshold 2 → 8 pods); it ends
 * once a whole stable window has passed since the last such crossing, by which time the surge is
 * in the stable average. 'cpu' scales like the HPA and never panics.
 */
export function panicStep(spec: AutoscalerSpec, state: ScalerState, desiredPanic: number, now: number): PanicStep {
  const over = spec.metric !== 'cpu' && desiredPanic / Math.max(state.readyPods, 1) >= spec.panicThreshold;
  const panicking = state.mode === 'panic';
  // Entering panic holds what we already have: pods still starting must not be cancelled by a spike.
  const floor = panicking ? (state.maxPanicPods ?? state.replicas) : state.replicas;
  if (over) return { mode: 'panic', event: panicking ? 'extended' : 'entered', panicSince: now, floor };
  if (!panicking) return { mode: 'stable', event: 'none' };
  const since = state.panicSince ?? now;
  if (now - since >= spec.stableWindowMs) return { mode: 'stable', event: 'ended' };
  return { mode: 'panic', event: 'holding', panicSince: since, floor };
}
