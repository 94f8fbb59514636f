import type { Pod, TideNode } from '@tide/core';
import type { SchedulingContext } from './scheduling-context.js';

/** A filter's verdict on one node: it may run the pod, or why not (without the node's name). */
export type FilterResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Shared "fits" verdict, so a passing filter allocates nothing. */
export const PASS: FilterResult = Object.freeze({ ok: true });

export function fail(reason: string): FilterResult {
  return { ok: false, reason };
}

/** Decides whether a node can run a pod at all. */
export interface FilterPlugin {
  readonly name: string;
  filter(pod: Pod, node: TideNode, ctx: SchedulingContext): FilterResult;
}

/** Ranks a node that passed every filter: higher is better, on any scale (the framework normalises). */
export interface ScorePlugin {
  readonly name: string;
  score(pod: Pod, node: TideNode, ctx: SchedulingContext): number;
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
  | { node: string; score: number; scores: Record<string, number> }
  | { node: undefined; reasons: string[] };

/** Top of the normalised range; all-equal raw scores get it too, so an unopinionated plugin adds the same to every node. */
export const MAX_NODE_SCORE = 100;

/**
 * One scheduling cycle for one pod (the Kubernetes framework's fixed order): every filter on every
 * node (a node is out at its first failing filter), then each score plugin's raw scores over the
 * feasible nodes, min-max normalised to 0..100, weighted and summed. Ties go to the smaller node
 * name. Pure: same inputs, same node.
 */
export function schedule(pod: Pod, nodes: readonly TideNode[], plugins: Plugins, ctx: SchedulingContext): ScheduleResult {
  if (nodes.length === 0) return { node: undefined, reasons: ['no nodes registered'] };
  const feasible: TideNode[] = [];
  const failures: string[] = [];
  for (const node of nodes) {
    const reason = firstFailure(pod, node, plugins, ctx);
    if (reason === undefined) feasible.push(node);
    else if (feasible.length === 0) failures.push(reason); // kept only while none fits: then failures[i] is nodes[i]'s
  }
  if (feasible.length > 0) return pickBest(pod, feasible, plugins, ctx);
  return { node: undefined, reasons: failures.map((reason, i) => `node ${nodes[i]!.metadata.name}: ${reason}`) };
}

function firstFailure(pod: Pod, node: TideNode, plugins: Plugins, ctx: SchedulingContext): string | undefined {
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
