import { windowKeepMs, type AutoscalerSpec } from './autoscaler-spec.js';
import { decide, type ScaleDecision } from './decide.js';
import { addSample, emptyWindow, type MetricWindow, type Sample } from './metric-window.js';
import type { ScalerState } from './scaler-state.js';

/**
 * What the autoscaler holds for one function between decisions, and the two steps it takes on it.
 * The live loop and `replay` both go through these two functions and nothing else, so a replay of
 * what was recorded makes the decisions that were made.
 */
export interface FunctionScaler {
  readonly window: MetricWindow;
  /** The last decision's state; absent before the first decision of this decider. */
  readonly state?: ScalerState;
}

export const newFunctionScaler: FunctionScaler = Object.freeze({ window: emptyWindow });

/** What the decider sees of the cluster when it decides. */
export interface Observation {
  /** The decision's `now`. */
  readonly at: number;
  /** Desired replicas now (the function's status: the last accepted decision or apply). */
  readonly replicas: number;
  readonly readyPods: number;
}

export function absorb(scaler: FunctionScaler, sample: Sample, spec: AutoscalerSpec): FunctionScaler {
  return { ...scaler, window: addSample(scaler.window, sample, windowKeepMs(spec)) };
}

/**
 * The state decide() is given: the last decision's (or, for a decider new to the function, the
 * take-over state) with what is observed now written over what was expected.
 */
export function stateFor(scaler: FunctionScaler, observed: Observation, takeOver: () => ScalerState): ScalerState {
  return { ...(scaler.state ?? takeOver()), replicas: observed.replicas, readyPods: observed.readyPods };
}

/** One decision: the decision and the scaler to keep. Whether the ScaleSet is accepted changes nothing here. */
export function step(scaler: FunctionScaler, spec: AutoscalerSpec, given: ScalerState, at: number): { scaler: FunctionScaler; decision: ScaleDecision } {
  const decision = decide(spec, scaler.window, given, at);
  return { scaler: { ...scaler, state: decision.state }, decision };
}
