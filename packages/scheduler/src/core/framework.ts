import type { Pod, TideNode } from '@tide/core';
import type { CycleSnapshot } from './cycle-snapshot.js';
import type { SchedulingContext } from './scheduling-context.js';

/** A filter's verdict on one node: it may run the pod, or why not (without the node's name). */
export type FilterResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Shared "fits" verdict, so a passing filter allocates nothing. */
export const PASS: FilterResult = Object.freeze({ ok: true });

export function fail(reason: string): FilterResult {
  return { ok: false, reason };
}

/** A filter's check for one pod, by index into a snapshot's node table: whether that node passes. */
export type NodeCheck = (index: number) => boolean;

/** A score plugin's raw score for one pod, by index into a snapshot's node table. */
export type NodeScore = (index: number) => number;

/** Decides whether a node can run a pod at all. */
export interface FilterPlugin {
  readonly name: string;
  filter(pod: Pod, node: TideNode, ctx: SchedulingContext): FilterResult;
  /**
   * Optional fast form of `filter` (Kubernetes' PreFilter): what depends on the pod alone worked
   * out once per cycle, then a check by node index that builds no reason; undefined when every
   * node of the snapshot passes. It must agree with `filter`, which still gives a failing node's reason.
   */
  prepare?(pod: Pod, snapshot: CycleSnapshot): NodeCheck | undefined;
}

/** Ranks a node that passed every filter: higher is better, on any scale (the framework normalises). */
export interface ScorePlugin {
  readonly name: string;
  score(pod: Pod, node: TideNode, ctx: SchedulingContext): number;
  /** Optional fast form of `score` by node index, prepared once per cycle; must return exactly what `score` would. */
  prepare?(pod: Pod, snapshot: CycleSnapshot): NodeScore;
}

export interface WeightedScore {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

export interface Plugins {
  readonly filters: readonly FilterPlugin[];
  readonly scores: readonly WeightedScore[];
}

export type ScheduleResult =
  /** `score` = Σ weight × normalised; `scores` = each score plugin's normalised 0..100 for the chosen node. */
  { node: string; score: number; scores: Record<string, number> } | { node: undefined; reasons: string[] };

/** Top of the normalised range; all-equal raw scores get it too, so an unopinionated plugin adds the same to every node. */
export const MAX_NODE_SCORE = 100;

/**
 * How many feasible nodes a cycle looks for before it stops filtering (Kubernetes'
 * percentageOfNodesToScore): all of up to 100 nodes; of more, 50 % less 1 % per 125 nodes, at
 * least 5 % and at least 100 — 5 000 nodes → 10 % → 500. Scoring more finds a marginally better node
 * at a cost that grows with the cluster.
 */
export function feasibleNodesToFind(nodeCount: number): number {
  if (nodeCount <= 100) return nodeCount;
  const percent = Math.max(5, 50 - nodeCount / 125);
  return Math.max(100, Math.floor((nodeCount * percent) / 100));
}

export interface ScheduleOptions {
  /** Where filtering starts (rotated by the caller between pods, so all nodes get their turn). */
  readonly startIndex?: number;
  /** Stop filtering after this many feasible nodes (default feasibleNodesToFind). */
  readonly feasibleLimit?: number;
}

/**
 * One scheduling cycle for one pod (the Kubernetes framework's fixed order): filters on the nodes
 * (a node is out at its first failing filter) from `startIndex` round the ring until enough are
 * feasible, then each score plugin's raw scores over the feasible nodes, min-max normalised to
 * 0..100, weighted and summed. Ties go to the smaller node name. Pure: same inputs, same node.
 */
export function schedule(pod: Pod, nodes: readonly TideNode[], plugins: Plugins, ctx: SchedulingContext, options: ScheduleOptions = {}): ScheduleResult {
  return scheduleFrom(pod, nodes, plugins, ctx, options).result;
}

/** schedule, and how many nodes it visited: where the next pod's search should start. */
export function scheduleFrom(
  pod: Pod,
  nodes: readonly TideNode[],
  plugins: Plugins,
  ctx: SchedulingContext,
  options: ScheduleOptions = {},
): { result: ScheduleResult; visited: number } {
  if (nodes.length === 0) return { result: { node: undefined, reasons: ['no nodes registered'] }, visited: 0 };
  const limit = options.feasibleLimit ?? feasibleNodesToFind(nodes.length);
  const start = (options.startIndex ?? 0) % nodes.length;
  const feasible: TideNode[] = [];
  const failures: string[] = [];
  let visited = 0;
  for (; visited < nodes.length && feasible.length < limit; visited++) {
    const node = nodes[(start + visited) % nodes.length]!;
    const reason = firstFailure(pod, node, plugins, ctx);
    if (reason === undefined) feasible.push(node);
    else if (feasible.length === 0) failures.push(`node ${node.metadata.name}: ${reason}`); // kept only while none fits
  }
  if (feasible.length > 0) return { result: pickBest(pod, feasible, plugins, ctx), visited };
  return { result: { node: undefined, reasons: failures }, visited };
}

export function firstFailure(pod: Pod, node: TideNode, plugins: Plugins, ctx: SchedulingContext): string | undefined {
  for (const plugin of plugins.filters) {
    const result = plugin.filter(pod, node, ctx);
    if (!result.ok) return result.reason;
  }
  return undefined;
}

function pickBest(pod: Pod, feasible: readonly TideNode[], plugins: Plugins, ctx: SchedulingContext): ScheduleResult {
  const active = plugins.scores.filter((s) => s.weight > 0);
  const totals = new Float64Array(feasible.length);
  const normalised = active.map(({ plugin, weight }) => {
    const raw = new Array<number>(feasible.length);
    for (let i = 0; i < feasible.length; i++) raw[i] = finiteScore(plugin, feasible[i]!, plugin.score(pod, feasible[i]!, ctx));
    const values = normalise(raw);
    for (let i = 0; i < values.length; i++) totals[i]! += weight * values[i]!;
    return values;
  });
  let best = 0;
  for (let i = 1; i < feasible.length; i++) {
    if (totals[i]! > totals[best]! || (totals[i] === totals[best] && feasible[i]!.metadata.name < feasible[best]!.metadata.name)) best = i;
  }
  const scores: Record<string, number> = {};
  active.forEach(({ plugin }, p) => (scores[plugin.name] = normalised[p]![best]!));
  return { node: feasible[best]!.metadata.name, score: totals[best]!, scores };
}

/** A score plugin returned NaN or ±Infinity: a bug in the plugin, which would make the ranking meaningless. */
export class InvalidScoreError extends Error {
  constructor(
    readonly plugin: string,
    readonly node: string,
    readonly value: number,
  ) {
    super(`score plugin ${plugin} returned ${value} for node ${node}; scores must be finite numbers`);
    this.name = 'InvalidScoreError';
  }
}

function finiteScore(plugin: ScorePlugin, node: TideNode, value: number): number {
  if (!Number.isFinite(value)) throw new InvalidScoreError(plugin.name, node.metadata.name, value);
  return value;
}

/** Min-max to 0..100: raw [3, 5, 7] → [0, 50, 100]; all equal → all 100. */
export function normalise(raw: readonly number[]): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of raw) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  return raw.map((v) => (range > 0 ? ((v - min) / range) * MAX_NODE_SCORE : MAX_NODE_SCORE));
}
