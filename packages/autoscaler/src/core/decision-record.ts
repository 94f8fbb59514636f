import type { AutoscalerSpec } from './autoscaler-spec.js';
import type { ScaleDecision } from './decide.js';
import type { ScalerState } from './scaler-state.js';

/**
 * What the live autoscaler appends to the metrics topic for each decision it makes, beside the
 * gateways' reports: everything a decision depends on that is not in those reports. With it,
 * `replay` makes the same decisions at the same moments; without it a replay can only guess when
 * the autoscaler decided and how many pods were ready (the "now" column that did not match).
 */
export interface DecisionRecord {
  readonly kind: 'autoscaler-decision';
  /** The autoscaler process that decided. */
  readonly source: string;
  readonly namespace: string;
  readonly name: string;
  /** The decision's `now`. */
  readonly at: number;
  /** The newest metrics record in the window when it decided (records are read in offset order). */
  readonly afterOffset: number;
  /** The state decide() was given: the last decision's, with the replicas and ready pods observed now. */
  readonly given: ScalerState;
  /** The spec decided by: on the first record of a decider for the function, and whenever it changed. */
  readonly spec?: AutoscalerSpec;
  /** On a decider's first decision for the function: the first metrics offset its window holds. */
  readonly windowFrom?: number;
}

export const DECISION_RECORD_KIND = 'autoscaler-decision';

export function encodeDecisionRecord(record: Omit<DecisionRecord, 'kind'>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ kind: DECISION_RECORD_KIND, ...record }));
}

/** A parsed metrics record, if it is a decision record. */
export function asDecisionRecord(parsed: unknown): DecisionRecord | undefined {
  const r = parsed as Partial<DecisionRecord> | null;
  const ok = r?.kind === DECISION_RECORD_KIND && typeof r.at === 'number' && typeof r.afterOffset === 'number' && typeof r.given?.replicas === 'number';
  return ok ? (r as DecisionRecord) : undefined;
}

/**
 * A decision that changed nothing, replicas nor state, needs no record: a replay that skips it
 * ends where the autoscaler did. So an idle function at zero adds nothing to the topic.
 */
export function changedNothing(given: ScalerState, decision: ScaleDecision): boolean {
  return !decision.changed && sameState(given, decision.state);
}

/** Field by field: states are flat records of numbers and strings. */
export function sameState(a: ScalerState, b: ScalerState): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof ScalerState)[]);
  return [...keys].every((k) => a[k] === b[k]);
}
