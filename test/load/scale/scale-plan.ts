/**
 * The scale run as data: how many nodes the fleet simulates, the function counts at which the
 * control plane is measured (each step applies the functions up to its count), and the history
 * lengths at which start-up is measured. The full run is the issue's: 100 nodes, 10 000 functions
 * (every tenth at min 1), 1 000 000 events; the smoke run shows that every step runs, in seconds.
 */
export interface ScalePlan {
  name: 'full' | 'smoke';
  nodes: number;
  /** Function counts to measure at, ascending; every tenth function is min 1. */
  functionSteps: readonly number[];
  /** Concurrent applies (PUT) while a step's functions are applied. */
  applyConcurrency: number;
  /** Page size of the paginated lists (`limit`), and how many times each list is read whole. */
  listPageSize: number;
  listRepeats: number;
  /** A min-0 function's first pod goes after this long without calls (its deploy starts with one). */
  scaleToZeroAfterSeconds: number;
  /** History lengths (events in the state stream) to measure start-up at, ascending. */
  eventSteps: readonly number[];
  history: { functions: number; livePods: number; nodes: number; namespaces: readonly string[] };
  /** Longest wait for a step's pods to be ready, or to settle at the min-1 pods. */
  settleTimeoutMs: number;
}

export const FULL_SCALE_PLAN: ScalePlan = {
  name: 'full',
  nodes: 100,
  functionSteps: [1_000, 3_000, 10_000],
  applyConcurrency: 8,
  listPageSize: 500,
  listRepeats: 3,
  scaleToZeroAfterSeconds: 5,
  eventSteps: [100_000, 300_000, 1_000_000],
  history: { functions: 10_000, livePods: 1_000, nodes: 100, namespaces: ['team-a', 'team-b', 'team-c', 'team-d'] },
  settleTimeoutMs: 5 * 60_000,
};

export const SMOKE_SCALE_PLAN: ScalePlan = {
  name: 'smoke',
  nodes: 4,
  functionSteps: [20, 60],
  applyConcurrency: 4,
  listPageSize: 25,
  listRepeats: 2,
  scaleToZeroAfterSeconds: 3,
  eventSteps: [2_000, 6_000],
  history: { functions: 60, livePods: 20, nodes: 4, namespaces: ['team-a', 'team-b'] },
  settleTimeoutMs: 2 * 60_000,
};

/** Functions at min 1 among the first `count` (every tenth, from the first). */
export function minOneAmong(count: number): number {
  return Math.ceil(count / 10);
}
