import type { AutoscalerSpec } from './autoscaler-spec.js';
import { averageConcurrency, averageCpuMilli, requestsPerSecond, type MetricWindow } from './metric-window.js';

/**
 * The numbers a decision was made from. All numbers, so a shell can store them as they are
 * (the ScaleSet event's `inputs`); optional ones are absent, never undefined-valued.
 */
export type ScaleInputs = {
  stableConcurrency: number;
  panicConcurrency: number;
  stableRps: number;
  panicRps: number;
  /** Pods the stable window asks for, after the rate limits. */
  desiredStable: number;
  /** Pods the panic window (plus waiting requests) asks for, after the rate limits. */
  desiredPanic: number;
  readyPods: number;
  waiting: number;
  /** 'cpu' metric only, when measured: average millicores per pod over the stable window. */
  cpuMilliPerPod?: number;
  /** Since the last request arrived, if one was ever seen. */
  sinceLastRequestMs?: number;
  /** While the function's triggers report lag: records not yet done, summed over its triggers. */
  lag?: number;
  /** Pods the lag asks for: min(ceil(lag / target), parallelism). */
  desiredLag?: number;
};

export interface RateLimits {
  /** At most this many pods: ×maxScaleUpRate of the ready pods, counting 0 ready as 1. */
  readonly maxUp: number;
  /** At least this many: ready ÷ maxScaleDownRate, rounded up so no decision more than halves. */
  readonly minDown: number;
}

export interface Measured {
  readonly inputs: ScaleInputs;
  /** desiredStable / desiredPanic before the rate limits, to explain a limited decision. */
  readonly rawStable: number;
  readonly rawPanic: number;
  readonly limits: RateLimits;
}

/** Pods a load needs at `perPod` each: ceil(load / perPod). */
export function podsFor(load: number, perPod: number): number {
  // The epsilon keeps float noise (2.1 / (3 × 0.7) = 1.0000000000000002) from costing a pod.
  return Math.max(0, Math.ceil(load / perPod - 1e-9));
}

export function rateLimits(spec: AutoscalerSpec, readyPods: number): RateLimits {
  return {
    maxUp: Math.ceil(Math.max(readyPods, 1) * spec.maxScaleUpRate),
    minDown: Math.ceil(readyPods / spec.maxScaleDownRate),
  };
}

const limit = (pods: number, { maxUp, minDown }: RateLimits) => Math.min(maxUp, Math.max(minDown, pods));

/**
 * Reads the windows and turns them into pod counts. `waiting` requests (held at the gateway right
 * now) are a floor under the panic window's load: 50 waiting callers at 3.5 per pod ask for 15
 * pods at once. A floor, not an addition, because gateways also count waiting requests in the
 * concurrency they report, so once a report covers them they must not count twice.
 */
export function measure(
  spec: AutoscalerSpec,
  window: MetricWindow,
  state: { readonly replicas: number; readonly readyPods: number },
  waiting: number,
  now: number,
): Measured {
  const stableConcurrency = averageConcurrency(window, now, spec.stableWindowMs);
  const panicConcurrency = averageConcurrency(window, now, spec.panicWindowMs);
  const stableRps = requestsPerSecond(window, now, spec.stableWindowMs);
  const panicRps = requestsPerSecond(window, now, spec.panicWindowMs);
  const cpu = spec.metric === 'cpu' ? averageCpuMilli(window, now, spec.stableWindowMs) : undefined;
  const perPod = spec.target * spec.targetUtilization;
  const [rawStable, rawPanic] =
    spec.metric === 'concurrency'
      ? [podsFor(stableConcurrency, perPod), podsFor(Math.max(panicConcurrency, waiting), perPod)]
      : spec.metric === 'rps'
        ? [podsFor(stableRps, perPod), podsFor(Math.max(panicRps, waiting), perPod)]
        : [cpuPods(spec, cpu, state), cpuPods(spec, cpu, state)];
  const limits = rateLimits(spec, state.readyPods);
  const last = window.lastRequestAt;
  const inputs: ScaleInputs = {
    stableConcurrency,
    panicConcurrency,
    stableRps,
    panicRps,
    desiredStable: limit(rawStable, limits),
    desiredPanic: limit(rawPanic, limits),
    readyPods: state.readyPods,
    waiting,
    ...(cpu === undefined ? {} : { cpuMilliPerPod: cpu }),
    ...(last === undefined ? {} : { sinceLastRequestMs: Math.max(0, now - last) }),
  };
  return { inputs, rawStable, rawPanic, limits };
}

/**
 * HPA: ceil(ready × observed per pod / target per pod). Ready 2 at 180m, target 70% of 250m = 175m
 * → ceil(2 × 180 / 175) = 3. With no CPU measured or no pod ready to measure it holds the replicas.
 */
function cpuPods(spec: AutoscalerSpec, cpu: number | undefined, state: { replicas: number; readyPods: number }): number {
  if (cpu === undefined || state.readyPods === 0) return state.replicas;
  const targetPerPod = ((spec.cpuPerPodMilli ?? 0) * spec.cpuTargetPercent) / 100;
  return podsFor(state.readyPods * cpu, targetPerPod);
}

/** Per-pod capacity the load is divided by, for reasons: target × utilization, or the CPU target. */
export function capacityPerPod(spec: AutoscalerSpec): number {
  return spec.metric === 'cpu' ? ((spec.cpuPerPodMilli ?? 0) * spec.cpuTargetPercent) / 100 : spec.target * spec.targetUtilization;
}
