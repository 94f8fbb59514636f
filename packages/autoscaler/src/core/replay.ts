import type { AutoscalerSpec } from './autoscaler-spec.js';
import { absorb, newFunctionScaler, stateFor, step, type FunctionScaler } from './function-scaler.js';
import type { Sample } from './metric-window.js';
import type { ScaleMode, ScalerState } from './scaler-state.js';

export interface ReplayOptions {
  /** How often the autoscaler decides. */
  readonly tickMs?: number;
  /** First decision; default the first sample. */
  readonly from?: number;
  /** Last decision (inclusive); default the last sample. */
  readonly to?: number;
  /** A new pod is ready this long after the decision that asked for it; removed pods go at once. */
  readonly podStartMs?: number;
  /** More moments to decide at besides every tickMs, e.g. when the live autoscaler decided. */
  readonly moments?: readonly number[];
}

export interface ReplayPoint {
  readonly at: number;
  readonly replicas: number;
  readonly readyPods: number;
  readonly mode: ScaleMode;
  readonly reason: string;
}

export class ReplayRangeError extends Error {
  constructor(
    readonly field: keyof ReplayOptions,
    readonly value: unknown,
    readonly problem: string,
  ) {
    super(`replay: ${field} ${problem} (got ${String(value)})`);
    this.name = 'ReplayRangeError';
  }
}

const maxTicks = 1_000_000;

/**
 * Re-runs the autoscaler's steps every tickMs (and at `moments`) over recorded samples with some
 * spec, as `tide autoscale replay` does to show what other settings would have done. Ready pods
 * are modelled, not observed, so this is a model; `replayRecorded` makes the recorded decisions.
 */
export function replay(samples: readonly Sample[], spec: AutoscalerSpec, initial: ScalerState, options: ReplayOptions = {}): ReplayPoint[] {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const from = options.from ?? sorted[0]?.at;
  const to = options.to ?? sorted.at(-1)?.at;
  if (from === undefined || to === undefined) return [];
  const { tickMs = 2000, podStartMs = 0 } = options;
  checkRange(from, to, tickMs, podStartMs);
  const eras = startingEras(initial, from);
  const points: ReplayPoint[] = [];
  let scaler: FunctionScaler = newFunctionScaler;
  let next = 0;
  for (const at of momentsOf(from, to, tickMs, options.moments ?? [])) {
    for (; next < sorted.length && sorted[next]!.at <= at; next += 1) scaler = absorb(scaler, sorted[next]!, spec);
    const readyPods = readyAt(eras, at, podStartMs);
    const given = stateFor(scaler, { at, replicas: scaler.state?.replicas ?? initial.replicas, readyPods }, () => initial);
    const decided = step(scaler, spec, given, at);
    scaler = decided.scaler;
    if (decided.decision.changed) eras.push({ from: at, replicas: decided.decision.replicas });
    points.push({ at, replicas: decided.decision.replicas, readyPods, mode: decided.decision.mode, reason: decided.decision.reason });
  }
  return points;
}

/** Every tickMs from `from` to `to` (inclusive), and the extra moments in that range, in order. */
function momentsOf(from: number, to: number, tickMs: number, extra: readonly number[]): number[] {
  const ticks: number[] = [];
  for (let tick = 0, at = from; at <= to; tick += 1, at = from + tick * tickMs) ticks.push(at);
  const more = extra.filter((at) => at >= from && at <= to);
  return more.length === 0 ? ticks : [...new Set([...ticks, ...more])].sort((a, b) => a - b);
}

function checkRange(from: number, to: number, tickMs: number, podStartMs: number): void {
  if (!Number.isFinite(from)) throw new ReplayRangeError('from', from, 'must be a finite time');
  if (!Number.isFinite(to)) throw new ReplayRangeError('to', to, 'must be a finite time');
  if (!(tickMs > 0)) throw new ReplayRangeError('tickMs', tickMs, 'must be > 0');
  if (!(podStartMs >= 0)) throw new ReplayRangeError('podStartMs', podStartMs, 'must be ≥ 0');
  if ((to - from) / tickMs > maxTicks) throw new ReplayRangeError('tickMs', tickMs, `makes more than ${maxTicks} decisions from ${from} to ${to}`);
}

/** A stretch of time during which `replicas` pods were wanted. */
interface Era {
  readonly from: number;
  readonly replicas: number;
}

/** The initial ready pods have always been there; any more that were wanted start at `from`. */
function startingEras(initial: ScalerState, from: number): Era[] {
  const eras: Era[] = [{ from: -Infinity, replicas: initial.readyPods }];
  if (initial.replicas !== initial.readyPods) eras.push({ from, replicas: initial.replicas });
  return eras;
}

/**
 * A pod is ready once it has been wanted without a break for podStartMs, so the ready count is the
 * fewest pods wanted at any moment of [at - podStartMs, at] (wanted 10, then 4 → 4 ready at once).
 */
function readyAt(eras: readonly Era[], at: number, podStartMs: number): number {
  let ready = Infinity;
  for (let i = eras.length - 1; i >= 0; i -= 1) {
    const era = eras[i]!;
    ready = Math.min(ready, era.replicas);
    if (era.from <= at - podStartMs) break;
  }
  return ready;
}
