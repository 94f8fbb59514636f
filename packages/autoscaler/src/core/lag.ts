/**
 * Consumer lag as a scaling signal (KEDA's Kafka scaler): records a function's triggers have not
 * yet done, as the triggers process last reported them. Like requests waiting at a gateway, a
 * lag is a level at one moment, and counts only while fresh: triggers report every second while
 * any lag exists (and once more when it reaches 0), so a level older than lagFreshMs belongs to a
 * trigger that stopped reporting (deleted, its process gone) and is no longer demand.
 */

/**
 * One trigger's lag for the function, at one moment, as one triggers process saw it. On Kafka
 * every triggers process consumes some of a trigger's partitions and reports the lag of those, so
 * a trigger's lag is the sum over the processes reporting it.
 */
export interface LagLevel {
  /** The triggers process that reported it. */
  readonly source: string;
  /** The trigger's name, or `async` for the function's queue of async calls. */
  readonly trigger: string;
  /** When the triggers process measured it. */
  readonly at: number;
  /** Records (or calls) not yet done. */
  readonly lag: number;
  /** Calls that can run at once (partitions, distinct keys, or the lag): more pods than this cannot help. */
  readonly parallelism: number;
}

/** Three reports missed at one report a second: the level is gone. */
export const lagFreshMs = 3_000;

const sameReporter = (a: LagLevel, b: LagLevel) => a.trigger === b.trigger && a.source === b.source;

/** A reporter's newer level of a trigger replaces its older one; a late, older report changes nothing; stale levels go. */
export function withLag(levels: readonly LagLevel[] | undefined, level: LagLevel): readonly LagLevel[] {
  const current = levels?.find((l) => sameReporter(l, level));
  if (current && current.at > level.at) return levels!;
  const newestAt = Math.max(level.at, ...(levels ?? []).map((l) => l.at));
  return [...(levels ?? []).filter((l) => !sameReporter(l, level) && newestAt - l.at < lagFreshMs), level];
}

/** What the lag asks for at one moment. */
export interface LagDemand {
  /** Records not yet done over the function's fresh trigger levels. */
  readonly lag: number;
  readonly parallelism: number;
  /**
   * min(ceil(lag / target), parallelism): target records per replica (the function's
   * scale.target), as KEDA's lagThreshold, and never more pods than can make progress. Lag 340 at
   * target 10 over 4 partitions → min(34, 4) = 4.
   */
  readonly pods: number;
  /** The trigger with the most lag, to name in the reason. */
  readonly trigger?: string;
  /** Distinct triggers with lag. */
  readonly triggers: number;
}

export const noLag: LagDemand = Object.freeze({ lag: 0, parallelism: 0, pods: 0, triggers: 0 });

/** The demand of the levels fresh at `now`, summed over the function's triggers. */
export function lagDemand(levels: readonly LagLevel[] | undefined, targetPerPod: number, now: number): LagDemand {
  const fresh = (levels ?? []).filter((l) => now - l.at < lagFreshMs && l.lag > 0);
  if (fresh.length === 0) return noLag;
  const lag = fresh.reduce((sum, l) => sum + l.lag, 0);
  const parallelism = fresh.reduce((sum, l) => sum + Math.max(1, l.parallelism), 0);
  const byTrigger = new Map<string, number>();
  for (const l of fresh) byTrigger.set(l.trigger, (byTrigger.get(l.trigger) ?? 0) + l.lag);
  const [top] = [...byTrigger].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { lag, parallelism, pods: Math.min(Math.ceil(lag / targetPerPod), parallelism), trigger: top![0], triggers: byTrigger.size };
}
