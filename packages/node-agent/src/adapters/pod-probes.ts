import type { Clock } from '../clock.js';
import { nextProbeAt, PASSING, tallyProbe, type ProbeChange, type ProbeOutcome } from '../core/probe-tally.js';
import type { ProbeSpec } from '../pod-types.js';
import { probeHttp } from './http-probe.js';

export interface PodProbesOptions {
  /** "http://127.0.0.1:PORT" of the Ready pod. */
  endpoint: string;
  probes: { readiness?: ProbeSpec; liveness?: ProbeSpec };
  clock: Clock;
  onReadiness(change: ProbeChange): void;
  /** Called once: the liveness probe stops with it (the pod is to be killed). */
  onLivenessFailed(why: string): void;
  /** One probe; tests may replace it. */
  probe?: (endpoint: string, path: string, timeoutMs: number) => Promise<ProbeOutcome>;
}

export interface PodProbes {
  /** No probe starts, and no result is reported, after this. */
  stop(): void;
}

/**
 * Runs a Ready pod's readiness and liveness probes, each on its own schedule: the first
 * initialDelaySeconds after Ready, then every periodSeconds (one at a time: a slow probe delays the
 * next, never overlaps it).
 */
export function startPodProbes(options: PodProbesOptions): PodProbes {
  const { clock, endpoint } = options;
  const probe = options.probe ?? probeHttp;
  let stopped = false;
  const timers = new Set<unknown>();

  const later = (ms: number, run: () => void) => {
    const handle = clock.setTimeout(() => {
      timers.delete(handle);
      if (!stopped) run();
    }, ms);
    timers.add(handle);
  };

  /** onChange returns false to end this probe's loop. */
  function loop(spec: ProbeSpec, onChange: (change: ProbeChange) => boolean): void {
    let tally = PASSING;
    const once = async () => {
      const startedAt = clock.now();
      const outcome = await probe(endpoint, spec.path, spec.timeoutSeconds * 1000);
      if (stopped) return;
      const result = tallyProbe(tally, outcome, spec.failureThreshold);
      tally = result.tally;
      if (result.change && !onChange(result.change)) return;
      if (stopped) return; // onChange may stop every probe
      const now = clock.now();
      later(nextProbeAt(startedAt, spec.periodSeconds * 1000, now) - now, () => void once());
    };
    later(spec.initialDelaySeconds * 1000, () => void once());
  }

  const { readiness, liveness } = options.probes;
  if (readiness) {
    loop(readiness, (change) => {
      options.onReadiness(change);
      return true;
    });
  }
  if (liveness) {
    loop(liveness, (change) => {
      if (change.type === 'failed') options.onLivenessFailed(change.why);
      return change.type !== 'failed';
    });
  }
  return {
    stop() {
      stopped = true;
      for (const handle of timers) clock.clearTimeout(handle);
      timers.clear();
    },
  };
}
