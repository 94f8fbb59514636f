/** Axis scales for the SVG chart (pure): nice linear ticks, decade-ish log ticks, value → pixel. */

export type ScaleKind = 'linear' | 'log';

export interface AxisScale {
  kind: ScaleKind;
  /** The axis range in data units (nice numbers that hold every value). */
  min: number;
  max: number;
  ticks: number[];
  /** Pixel position of `value` between `from` (at min) and `to` (at max). */
  toPixel(value: number, from: number, to: number): number;
}

/** Ticks at 1, 2 or 5 × 10^k covering [0 or min, max] in at most about `count` steps: 0..37 → 0,10,20,30,40. */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) max = min + 1;
  const rough = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const tick = roundTo(first + i * step, step);
    ticks.push(tick);
    if (tick >= max - step * 1e-9) break;
  }
  return ticks;
}

/** Ticks 1, 2, 5 × 10^k from the decade below `min` to the decade above `max` (both > 0): 40..2300 → 10,20,50,...,5000,10000. */
export function logTicks(min: number, max: number): number[] {
  const low = Math.floor(Math.log10(Math.max(min, Number.MIN_VALUE)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(max, min))));
  const ticks: number[] = [];
  for (let k = low; k < high && ticks.length < 100; k++) for (const m of [1, 2, 5]) ticks.push(roundTo(m * 10 ** k, 10 ** k));
  ticks.push(10 ** high);
  return ticks;
}

/** A scale holding `values` (non-finite ones ignored); a linear scale starts at 0, a log one at its data's decade. */
export function axisScale(values: readonly number[], kind: ScaleKind, tickCount = 6): AxisScale {
  const finite = values.filter((v) => Number.isFinite(v) && (kind === 'linear' || v > 0));
  const dataMax = finite.length ? Math.max(...finite) : 1;
  if (kind === 'log') {
    const ticks = logTicks(finite.length ? Math.min(...finite) : 1, dataMax);
    const [lo, hi] = [Math.log10(ticks[0]!), Math.log10(ticks.at(-1)!)];
    return {
      kind,
      min: ticks[0]!,
      max: ticks.at(-1)!,
      ticks,
      toPixel: (v, from, to) => from + ((Math.log10(Math.max(v, ticks[0]!)) - lo) / (hi - lo)) * (to - from),
    };
  }
  // 5% headroom: a line at the data's maximum should not run along the plot's top edge.
  const ticks = niceTicks(Math.min(0, ...finite), Math.max(dataMax * 1.05, 1), tickCount);
  const [min, max] = [ticks[0]!, ticks.at(-1)!];
  return { kind, min, max, ticks, toPixel: (v, from, to) => from + ((v - min) / (max - min)) * (to - from) };
}

/** Tick labels: 5, 0.5, 1.5k, 20k. */
export function formatTick(value: number): string {
  if (Math.abs(value) >= 1000) return `${roundTo(value / 1000, 0.1)}k`;
  return String(roundTo(value, 0.01));
}

/** Rounds away binary noise (0.30000000000000004 → 0.3) at the precision of `unit`. */
function roundTo(value: number, unit: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(unit)) + 1);
  return Number(value.toFixed(Math.min(12, digits)));
}
