/** One HTTP probe's result: 2xx/3xx passes; anything else says why it failed ("HTTP 500", "timeout after 1s"). */
export type ProbeOutcome = { ok: true } | { ok: false; why: string };

/** Where a probe stands: failures in a row, and whether it counts as passing now. */
export interface ProbeTally {
  failures: number;
  passing: boolean;
}

/** A probe starts out passing: it only runs on a pod that is already Ready by the runtime's own probe. */
export const PASSING: ProbeTally = { failures: 0, passing: true };

/** What a probe result changes: the probe went from passing to failing (with the last reason), or back. */
export type ProbeChange = { type: 'failed'; why: string } | { type: 'recovered' };

/**
 * Kubernetes' counting (successThreshold 1): failureThreshold failures in a row turn a passing probe
 * failing; one success turns a failing probe passing. failureThreshold 3 → pass, fail, fail, fail:
 * the change comes with the 3rd failure and never again until a success.
 */
export function tallyProbe(tally: ProbeTally, outcome: ProbeOutcome, failureThreshold: number): { tally: ProbeTally; change?: ProbeChange } {
  if (outcome.ok) {
    const next = { failures: 0, passing: true };
    return tally.passing ? { tally: next } : { tally: next, change: { type: 'recovered' } };
  }
  const failures = tally.failures + 1;
  if (tally.passing && failures >= failureThreshold) return { tally: { failures, passing: false }, change: { type: 'failed', why: outcome.why } };
  return { tally: { failures, passing: tally.passing } };
}

/** When the next probe starts: one period after the last one started, or now if it took longer than that. */
export function nextProbeAt(lastStartedAt: number, periodMs: number, now: number): number {
  return Math.max(lastStartedAt + periodMs, now);
}
