import type { ReplayPoint } from '@tide/autoscaler';

/** Replicas over time: each point holds from its `at` until the next one. */
export type Timeline = readonly Pick<ReplayPoint, 'at' | 'replicas'>[];

/** Replicas at `at`: the latest point at or before it, or `before` ahead of every point. */
export function replicasAt(timeline: Timeline, at: number, before: number): number {
  let replicas = before;
  for (const point of timeline) {
    if (point.at > at) break;
    replicas = point.replicas;
  }
  return replicas;
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
