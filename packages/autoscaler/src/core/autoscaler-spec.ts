/** How one function wants to be scaled, with every Knative KPA default filled in. */
export type ScaleMetric = 'concurrency' | 'rps' | 'cpu';

export interface AutoscalerSpec {
  readonly min: number;
  readonly max: number;
  /**
   * Per pod: in-flight requests ('concurrency') or requests/s ('rps'), unused by 'cpu'; and
   * whatever the metric, records of trigger lag per replica (lag.ts).
   */
  readonly target: number;
  readonly metric: ScaleMetric;
  /** Fraction of target a pod is planned for, leaving headroom for bursts (Knative 0.7). */
  readonly targetUtilization: number;
  readonly stableWindowMs: number;
  readonly panicWindowMs: number;
  /** Panic when the panic window asks for this many times the ready pods. */
  readonly panicThreshold: number;
  /** Per decision, at most ×maxScaleUpRate the ready pods... */
  readonly maxScaleUpRate: number;
  /** ...and at least ÷maxScaleDownRate of them. */
  readonly maxScaleDownRate: number;
  /** With min 0: no request (and nothing in flight) for this long → zero pods. */
  readonly scaleToZeroAfterMs: number;
  /** 'cpu' metric: target CPU as a percentage of cpuPerPodMilli (HPA's averageUtilization). */
  readonly cpuTargetPercent: number;
  /** 'cpu' metric: the pod's CPU request in millicores. Required for 'cpu'. */
  readonly cpuPerPodMilli?: number;
}

export type AutoscalerSpecInput = Pick<AutoscalerSpec, 'min' | 'max' | 'target'> &
  Partial<{ -readonly [K in Exclude<keyof AutoscalerSpec, 'min' | 'max' | 'target'>]: AutoscalerSpec[K] | undefined }>;

export const autoscalerDefaults = Object.freeze({
  metric: 'concurrency',
  targetUtilization: 0.7,
  stableWindowMs: 60_000,
  panicWindowMs: 6_000,
  panicThreshold: 2.0,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  scaleToZeroAfterMs: 30_000,
  cpuTargetPercent: 70,
} as const satisfies Partial<AutoscalerSpec>);

export class AutoscalerSpecError extends Error {
  constructor(
    readonly field: keyof AutoscalerSpec,
    readonly value: unknown,
    readonly problem: string,
  ) {
    super(`autoscaler spec: ${field} ${problem} (got ${String(value)})`);
    this.name = 'AutoscalerSpecError';
  }
}

/**
 * Fills the defaults and checks the result; throws AutoscalerSpecError naming the field. decide()
 * trusts its spec, so build every spec through here.
 */
export function withDefaults(input: AutoscalerSpecInput): AutoscalerSpec {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const spec = { ...autoscalerDefaults, ...given } as AutoscalerSpec;
  checkSpec(spec);
  return spec;
}

const isInt = (v: number) => Number.isInteger(v);
const isPositive = (v: number) => Number.isFinite(v) && v > 0;

type Rule = readonly [keyof AutoscalerSpec, (v: number, s: AutoscalerSpec) => boolean, string];
const rules: readonly Rule[] = [
  ['min', (v) => isInt(v) && v >= 0, 'must be an integer ≥ 0'],
  ['max', (v) => isInt(v) && v >= 1, 'must be an integer ≥ 1'],
  ['min', (v, s) => v <= s.max, 'must not exceed max'],
  ['target', isPositive, 'must be > 0'],
  ['targetUtilization', (v) => isPositive(v) && v <= 1, 'must be in (0, 1]'],
  ['stableWindowMs', isPositive, 'must be > 0'],
  ['panicWindowMs', (v, s) => isPositive(v) && v <= s.stableWindowMs, 'must be > 0 and ≤ stableWindowMs'],
  ['panicThreshold', (v) => Number.isFinite(v) && v >= 1, 'must be ≥ 1'],
  ['maxScaleUpRate', (v) => Number.isFinite(v) && v > 1, 'must be > 1'],
  ['maxScaleDownRate', (v) => Number.isFinite(v) && v > 1, 'must be > 1'],
  ['scaleToZeroAfterMs', isPositive, 'must be > 0'],
  ['cpuTargetPercent', isPositive, 'must be > 0'],
];

function checkSpec(spec: AutoscalerSpec): void {
  if (!['concurrency', 'rps', 'cpu'].includes(spec.metric)) {
    throw new AutoscalerSpecError('metric', spec.metric, "must be 'concurrency', 'rps' or 'cpu'");
  }
  for (const [field, ok, problem] of rules) {
    const value = spec[field];
    if (typeof value !== 'number' || !ok(value, spec)) throw new AutoscalerSpecError(field, value, problem);
  }
  const cpu = spec.cpuPerPodMilli;
  if (spec.metric === 'cpu' && (cpu === undefined || !isPositive(cpu))) {
    throw new AutoscalerSpecError('cpuPerPodMilli', cpu, "must be > 0 for metric 'cpu' (the pod's CPU request)");
  }
}

/**
 * How long a shell must keep samples for this spec: the longest span decide() looks at. The
 * scale-to-zero check reads lastRequestAt, which outlives buckets, so this is only a floor.
 */
export function windowKeepMs(spec: AutoscalerSpec): number {
  return Math.max(spec.stableWindowMs, spec.panicWindowMs, spec.scaleToZeroAfterMs);
}
