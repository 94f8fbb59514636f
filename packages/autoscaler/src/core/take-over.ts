import { initialScalerState, type ScalerState } from './scaler-state.js';

/** One recorded scale decision, as a function's status keeps its latest ones (oldest first). */
export interface ScaleRecordView {
  /** ISO time at which the decision was logged. */
  readonly time: string;
  readonly from: number;
  readonly to: number;
}

/** What a decider that has not decided for a function before knows of it from the cluster state. */
export interface TakenOver {
  readonly replicas: number;
  readonly readyPods: number;
  readonly recentScales: readonly ScaleRecordView[];
  /** ISO time the function was created. */
  readonly createdAt?: string;
}

/**
 * The state a new decider (first start, restart, new leader) starts from. Its pods have been up
 * since the newest recorded scale from zero; with none kept, at least since the oldest record kept,
 * or since the function was created. So a restart neither wakes an idle function nor grants pods
 * that were idle before it a fresh idle period from the moment the autoscaler started.
 */
export function takeOverState({ replicas, readyPods, recentScales, createdAt }: TakenOver): ScalerState {
  if (replicas === 0) return initialScalerState(0, readyPods);
  const woken = recentScales.findLast((s) => s.from === 0 && s.to > 0) ?? recentScales[0];
  const since = Date.parse(woken?.time ?? createdAt ?? '');
  return initialScalerState(replicas, readyPods, Number.isFinite(since) ? since : undefined);
}
