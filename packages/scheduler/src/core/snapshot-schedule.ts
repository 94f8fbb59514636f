import type { Pod } from '@tide/core';
import type { CycleSnapshot } from './cycle-snapshot.js';
import {
  feasibleNodesToFind,
  firstFailure,
  InvalidScoreError,
  MAX_NODE_SCORE,
  type NodeCheck,
  type NodeScore,
  type Plugins,
  type ScheduleOptions,
  type ScheduleResult,
} from './framework.js';

/**
 * `scheduleFrom` over a snapshot's node table, with the same result: filters from `startIndex`
 * round the ring until enough nodes are feasible (a node out at its first failing filter, whose
 * reason is kept while none fits), min-max normalised weighted scores, ties to the smaller name.
 * Each plugin is prepared once for the pod and then asked by node index, so a node costs a few
 * array reads; a plugin without `prepare` is asked through its `filter`/`score` as before.
 */
export function scheduleOnSnapshot(
  pod: Pod,
  plugins: Plugins,
  snapshot: CycleSnapshot,
  options: ScheduleOptions = {},
): { result: ScheduleResult; visited: number } {
  const { nodes } = snapshot.table;
  const n = nodes.length;
  if (n === 0) return { result: { node: undefined, reasons: ['no nodes registered'] }, visited: 0 };
  const limit = options.feasibleLimit ?? feasibleNodesToFind(n);
  const ring = filterRing(pod, plugins, snapshot, (options.startIndex ?? 0) % n, limit);
  if (ring.feasible.length === 0) return { result: { node: undefined, reasons: ring.failures }, visited: ring.visited };
  return { result: pickBest(pod, ring.feasible, plugins, snapshot), visited: ring.visited };
}

/** The feasible nodes from `start` round the ring until `limit` are found, and each failing node's reason while none is. */
function filterRing(pod: Pod, plugins: Plugins, snapshot: CycleSnapshot, start: number, limit: number) {
  const { nodes } = snapshot.table;
  const n = nodes.length;
  const checks = preparedChecks(pod, plugins, snapshot);
  const feasible = new Int32Array(Math.min(limit, n));
  const failures: string[] = [];
  let found = 0;
  let visited = 0;
  for (let i = start; visited < n && found < limit; visited++, i = i + 1 === n ? 0 : i + 1) {
    let passes = true;
    for (let c = 0; c < checks.length && passes; c++) passes = checks[c]!(i);
    if (passes) feasible[found++] = i;
    // Reasons are kept only while none fits (every node visited so far failed); the plugins' own filters say them.
    else if (failures.length === visited)
      failures.push(`node ${nodes[i]!.metadata.name}: ${firstFailure(pod, nodes[i]!, plugins, snapshot) ?? 'refused by a filter'}`);
  }
  return { feasible: feasible.subarray(0, found), failures, visited };
}

/** Each filter's check for this pod; filters every node passes are left out. */
function preparedChecks(pod: Pod, plugins: Plugins, snapshot: CycleSnapshot): NodeCheck[] {
  const { nodes } = snapshot.table;
  const checks: NodeCheck[] = [];
  for (const plugin of plugins.filters) {
    const check = plugin.prepare ? plugin.prepare(pod, snapshot) : (i: number) => plugin.filter(pod, nodes[i]!, snapshot).ok;
    if (check) checks.push(check);
  }
  return checks;
}

function pickBest(pod: Pod, feasible: Int32Array, plugins: Plugins, snapshot: CycleSnapshot): ScheduleResult {
  const { nodes } = snapshot.table;
  const m = feasible.length;
  const totals = new Float64Array(m);
  const scores: Record<string, number> = {};
  const normalised: Float64Array[] = [];
  const active = plugins.scores.filter((s) => s.weight > 0);
  for (const { plugin, weight } of active) {
    const score: NodeScore = plugin.prepare ? plugin.prepare(pod, snapshot) : (i) => plugin.score(pod, nodes[i]!, snapshot);
    const values = new Float64Array(m);
    for (let j = 0; j < m; j++) values[j] = score(feasible[j]!);
    const invalid = values.findIndex((v) => !Number.isFinite(v));
    if (invalid >= 0) throw new InvalidScoreError(plugin.name, nodes[feasible[invalid]!]!.metadata.name, values[invalid]!);
    normaliseInto(values, weight, totals);
    normalised.push(values);
  }
  const best = bestOf(totals, feasible);
  active.forEach(({ plugin }, p) => (scores[plugin.name] = normalised[p]![best]!));
  return { node: nodes[feasible[best]!]!.metadata.name, score: totals[best]!, scores };
}

/** As `normalise`, in place ([3, 5, 7] → [0, 50, 100]; all equal → all 100), adding weight × each to `totals`. */
function normaliseInto(values: Float64Array, weight: number, totals: Float64Array): void {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < values.length; j++) {
    min = Math.min(min, values[j]!);
    max = Math.max(max, values[j]!);
  }
  const range = max - min;
  for (let j = 0; j < values.length; j++) {
    values[j] = range > 0 ? ((values[j]! - min) / range) * MAX_NODE_SCORE : MAX_NODE_SCORE;
    totals[j]! += weight * values[j]!;
  }
}

/** The highest total; index order is name order in a node table, so a tie goes to the smaller index. */
function bestOf(totals: Float64Array, feasible: Int32Array): number {
  let best = 0;
  for (let j = 1; j < totals.length; j++) {
    if (totals[j]! > totals[best]! || (totals[j] === totals[best] && feasible[j]! < feasible[best]!)) best = j;
  }
  return best;
}
