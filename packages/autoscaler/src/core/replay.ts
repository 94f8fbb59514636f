import { windowKeepMs, type AutoscalerSpec } from './autoscaler-spec.js';
import { decide } from './decide.js';
import { addSample, emptyWindow, type MetricWindow, type Sample } from './metric-window.js';
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
 * Re-runs decide() every tickMs over recorded samples, as `tide autoscale replay` does to show what
 * other settings would have done. Deterministic: ready pods are modelled, not observed.
 */
export function replay(
  samples: readonly Sample[],
  spec: AutoscalerSpec,
  initial: ScalerState,
  options: ReplayOptions = {},
): ReplayPoint[] {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const from = options.from ?? sorted[0]?.at;
  const to = options.to ?? sorted.at(-1)?.at;
  if (from === undefined || to === undefined) return [];
  const { tickMs = 2000, podStartMs = 0 } = options;
  checkRange(from, to, tickMs, podStartMs);
  const keepMs = windowKeepMs(spec);
  const eras = startingEras(initial, from);
  const points: ReplayPoint[] = [];
  let window: MetricWindow = emptyWindow;
  let state = initial;
  let next = 0;
  for (let tick = 0, at = from; at <= to; tick += 1, at = from + tick * tickMs) {
    for (; next < sorted.length && sorted[next]!.at <= at; next += 1) window = addSample(window, sorted[next]!, keepMs);
    const readyPods = readyAt(eras, at, podStartMs);
    const decision = decide(spec, window, { ...state, readyPods }, at);
    if (decision.changed) eras.push({ from: at, replicas: decision.replicas });
    state = decision.state;
    points.push({ at, replicas: decision.replicas, readyPods, mode: decision.mode, reason: decision.reason });
  }
  return points;
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
