/**
 * A trigger's lag as the autoscaler reads it (TriggerLag on tide.metrics): records not done, and
 * how many calls could usefully run at once. Pure.
 */
import type { TriggerLag } from '@tide/core';

export interface MeasuredLag {
  namespace: string;
  trigger: string;
  function: string;
  ordering: string;
  lag: number;
  /** Partitions with lag. */
  partitions: number;
  /** Distinct keys waiting in the windows. */
  keys: number;
}

/**
 * Parallelism: `partition` → partitions with lag; `key` → distinct keys waiting (at least one per
 * partition with lag, at most the lag); `none` → the lag. 3 partitions behind with 40 keys
 * waiting under key ordering → 40.
 */
export function lagSample(m: MeasuredLag): TriggerLag {
  const parallelism = m.ordering === 'partition' ? m.partitions : m.ordering === 'none' ? m.lag : Math.min(m.lag, Math.max(m.keys, m.partitions));
  return { namespace: m.namespace, name: m.function, trigger: m.trigger, lag: m.lag, parallelism };
}

/**
 * Which samples to publish now: those with lag, and those that had lag in the last report (so a
 * reader sees it go to 0). `before`: keys `ns/trigger` that had lag.
 */
export function samplesToReport(samples: readonly TriggerLag[], before: ReadonlySet<string>): { report: TriggerLag[]; lagging: Set<string> } {
  const lagging = new Set<string>();
  const report: TriggerLag[] = [];
  for (const s of samples) {
    const key = `${s.namespace}/${s.trigger}`;
    if (s.lag > 0) lagging.add(key);
    if (s.lag > 0 || before.has(key)) report.push(s);
  }
  return { report, lagging };
}
