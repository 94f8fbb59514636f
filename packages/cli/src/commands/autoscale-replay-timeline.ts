import type { ReplayPoint } from '@tide/autoscaler';

/** Replicas over time: each point holds from its `at` until the next one. */
export type Timeline = readonly Pick<ReplayPoint, 'at' | 'replicas'>[];

export interface SideBySideRow {
  readonly at: number;
  readonly now: number;
  readonly whatIf: number;
  /** The what-if decision's reason, on the rows where the what-if decided. */
  readonly why: string;
}

/**
 * The two timelines merged in time order, one row whenever either count changes (and the last
 * moment). Several decisions may share a moment (reports read in one go): each change is a row.
 */
export function sideBySide(now: Timeline, whatIf: readonly Pick<ReplayPoint, 'at' | 'replicas' | 'reason'>[], initial: number): SideBySideRow[] {
  const events = [...now.map((p) => ({ p, side: 'now' as const })), ...whatIf.map((p) => ({ p, side: 'whatIf' as const }))];
  const ordered = events.map((e, i) => ({ ...e, i })).sort((a, b) => a.p.at - b.p.at || a.i - b.i);
  const rows: SideBySideRow[] = [];
  let current = { now: initial, whatIf: initial, why: '' };
  for (const [k, { p, side }] of ordered.entries()) {
    current = side === 'now' ? { ...current, now: p.replicas } : { ...current, whatIf: p.replicas, why: 'reason' in p ? String(p.reason) : '' };
    const last = rows.at(-1);
    const changed = !last || last.now !== current.now || last.whatIf !== current.whatIf;
    if (changed || k === ordered.length - 1) rows.push({ at: p.at, ...current, why: side === 'whatIf' ? current.why : '' });
  }
  return rows;
}

/** Peak replicas, pod-seconds from the first point to `end`, and how many times the count changed. */
export function summarize(timeline: Timeline, end: number): { peak: number; podSeconds: number; changes: number } {
  let podSeconds = 0;
  let changes = 0;
  for (const [i, point] of timeline.entries()) {
    const until = timeline[i + 1]?.at ?? end;
    podSeconds += (point.replicas * Math.max(0, until - point.at)) / 1000;
    if (i > 0 && point.replicas !== timeline[i - 1]!.replicas) changes += 1;
  }
  return { peak: Math.max(0, ...timeline.map((p) => p.replicas)), podSeconds, changes };
}
