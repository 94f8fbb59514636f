import type { AutoscalerSpec } from './autoscaler-spec.js';
import { sameState, type DecisionRecord } from './decision-record.js';
import { absorb, newFunctionScaler, stateFor, step, type FunctionScaler } from './function-scaler.js';
import type { HistoryEntry } from './history.js';
import type { ReplayPoint } from './replay.js';

/** A recorded decision made again: what it decided, and whether it was given what the autoscaler was. */
export interface ReplayedDecision extends ReplayPoint {
  readonly from: number;
  readonly changed: boolean;
  /** False where the replay's own state differs from the recorded one (history starting mid-way). */
  readonly sameState: boolean;
}

/**
 * The recorded decisions of one function made again from its recorded history, through the same
 * steps as the live autoscaler: samples are absorbed in offset order, each decision happens after
 * the sample it followed, with the spec, clock and observations recorded. So the replayed
 * decisions are the recorded ones; the first decision of a history that starts mid-way takes the
 * recorded state, as it cannot know what came before.
 */
export function replayRecorded(history: readonly HistoryEntry[]): ReplayedDecision[] {
  let spec = history.find((e): e is { offset: number; decision: DecisionRecord } => 'decision' in e && e.decision.spec !== undefined)?.decision.spec;
  if (!spec) return [];
  let scaler: FunctionScaler = newFunctionScaler;
  const points: ReplayedDecision[] = [];
  for (const entry of inDecisionOrder(history)) {
    if ('sample' in entry) {
      scaler = absorb(scaler, entry.sample, spec);
      continue;
    }
    const record = entry.decision;
    spec = record.spec ?? spec;
    if (record.windowFrom !== undefined) scaler = windowRefilled(history, record, spec);
    const given = stateFor(scaler, { at: record.at, replicas: record.given.replicas, readyPods: record.given.readyPods }, () => record.given);
    const next = step(scaler, spec, given, record.at);
    scaler = next.scaler;
    const { decision } = next;
    points.push({
      at: record.at,
      from: given.replicas,
      replicas: decision.replicas,
      changed: decision.changed,
      readyPods: given.readyPods,
      mode: decision.mode,
      reason: decision.reason,
      sameState: sameState(given, record.given),
    });
  }
  return points;
}

/** Samples at their offsets, each decision right after the newest record it had read. */
function inDecisionOrder(history: readonly HistoryEntry[]): HistoryEntry[] {
  const position = (e: HistoryEntry) => ('decision' in e ? e.decision.afterOffset + 0.5 : e.offset);
  return [...history].sort((a, b) => position(a) - position(b) || a.offset - b.offset);
}

/** A new decider's window: what it read back at start (or since the function appeared), then on. */
function windowRefilled(history: readonly HistoryEntry[], record: DecisionRecord, spec: AutoscalerSpec): FunctionScaler {
  let scaler: FunctionScaler = newFunctionScaler;
  for (const e of history) if ('sample' in e && e.offset >= record.windowFrom! && e.offset <= record.afterOffset) scaler = absorb(scaler, e.sample, spec);
  return scaler;
}
