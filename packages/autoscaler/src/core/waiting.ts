/**
 * Requests waiting for a pod, as each reporter (gateway) last saw them. Unlike the counts in the
 * buckets this is a level at one moment, so it is demand now only while it is fresh: gateways
 * report every second, and a level two seconds old belongs to a reporter that has missed a report
 * (restarted, stopped, cut off), whose held requests are no longer held.
 */
export interface WaitingLevel {
  readonly source: string;
  /** When the reporter saw them: the end of its report's interval. */
  readonly at: number;
  readonly waiting: number;
}

/** A level counts as demand while now - at < waitingFreshMs: one report missed at one report a second. */
export const waitingFreshMs = 2_000;

/**
 * A gateway reports a function every second while it has requests in flight, and once more when
 * they are done. So its last word that requests were in flight stands until it says otherwise:
 * silence then means its reports run late (a busy machine), not that the function is quiet. Up to
 * inFlightHoldMs: a gateway silent that long is gone, and its requests with it.
 */
export const inFlightHoldMs = 30_000;

/** The reporter's newer level replaces its older one; a late, older report changes nothing. */
export function withLevel(levels: readonly WaitingLevel[], level: WaitingLevel): readonly WaitingLevel[] {
  const current = levels.find((l) => l.source === level.source);
  if (current && current.at > level.at) return levels;
  return [...levels.filter((l) => l.source !== level.source), level];
}

/** Drops levels too old to count at any later decision (reporters that went away). */
export function keptLevels(levels: readonly WaitingLevel[], newestAt: number): readonly WaitingLevel[] {
  const kept = (l: WaitingLevel) => newestAt - l.at < inFlightHoldMs;
  return levels.every(kept) ? levels : levels.filter(kept);
}

/** True while some reporter's last word, within inFlightHoldMs, is that requests are in flight. */
export function heldInFlight(levels: readonly WaitingLevel[] | undefined, now: number): boolean {
  return (levels ?? []).some((l) => l.waiting > 0 && now - l.at < inFlightHoldMs);
}

/** Requests waiting now, summed over the reporters whose level is fresh at `now`. */
export function waitingIn(levels: readonly WaitingLevel[] | undefined, now: number): number {
  let waiting = 0;
  for (const level of levels ?? []) if (now - level.at < waitingFreshMs) waiting += level.waiting;
  return waiting;
}
