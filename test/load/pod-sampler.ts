import type { TideApi } from './tide-api.js';
import { podCounts, readyCounts } from './tide-api.js';

/** What the API said at one moment, per function (same order as the scenario's functions). */
export interface ReplicaSample {
  /** ms since the run started, taken when the answer arrived (so "ready by then" is never early). */
  atMs: number;
  ready: number[];
  pods: number[];
  desired: number[];
}

export interface PodSampler {
  readonly samples: readonly ReplicaSample[];
  latest(): ReplicaSample | undefined;
  /** Failed polls (the sampler keeps going: a slow API under load is part of what we measure). */
  readonly failures: number;
  stop(): Promise<void>;
}

export interface PodSamplerOptions {
  api: TideApi;
  names: readonly string[];
  intervalMs: number;
  /** The run's clock: ms since its start. */
  elapsedMs: () => number;
  /** Upper bound on samples kept (and polls made), whatever happens to `stop`. */
  maxSamples: number;
}

/** Polls pods and functions every `intervalMs` until stopped: ready pods, all pods, desired replicas. */
export function startPodSampler(options: PodSamplerOptions): PodSampler {
  const samples: ReplicaSample[] = [];
  let failures = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  const poll = async () => {
    const [pods, functions] = await Promise.all([options.api.listPods(), options.api.listFunctions()]);
    const desiredByName = new Map(functions.map((f) => [f.metadata.name, f.status.desiredReplicas]));
    samples.push({
      atMs: options.elapsedMs(),
      ready: readyCounts(pods, options.names),
      pods: podCounts(pods, options.names),
      desired: options.names.map((name) => desiredByName.get(name) ?? 0),
    });
  };
  const loop = (async () => {
    for (let i = 0; i < options.maxSamples && !stopped; i++) {
      const started = options.elapsedMs();
      await poll().catch(() => failures++);
      const waitMs = Math.max(0, options.intervalMs - (options.elapsedMs() - started));
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, waitMs);
      });
    }
  })();
  return {
    samples,
    latest: () => samples.at(-1),
    get failures() {
      return failures;
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

/** True when `sample` was taken after `sinceMs` and saw no pod of any function. */
export function noPodsSince(sample: ReplicaSample | undefined, sinceMs: number): boolean {
  return sample !== undefined && sample.atMs > sinceMs && sample.pods.every((n) => n === 0);
}
