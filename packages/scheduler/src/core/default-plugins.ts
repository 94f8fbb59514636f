import type { FilterPlugin, Plugins, WeightedScore } from './framework.js';
import { fitsResources } from './plugins/fits-resources.js';
import { leastAllocated } from './plugins/least-allocated.js';
import { maxPods } from './plugins/max-pods.js';
import { nodeReady } from './plugins/node-ready.js';
import { nodeSelector } from './plugins/node-selector.js';
import { podIsolation } from './plugins/pod-isolation.js';
import { spreadFunction } from './plugins/spread-function.js';
import { taintToleration } from './plugins/taint-toleration.js';
import { unschedulable } from './plugins/unschedulable.js';

/**
 * The built-in cycle. Filter order decides which reason a node reports when several fail (cheap
 * node-wide checks first, so "not ready" is said before "insufficient memory"). Spread outweighs
 * least-allocated: losing a node should take as few of a function's pods as possible.
 */
export const defaultPlugins: Plugins = Object.freeze({
  filters: Object.freeze<FilterPlugin[]>([nodeReady, unschedulable, podIsolation, taintToleration, nodeSelector, fitsResources, maxPods]),
  scores: Object.freeze<WeightedScore[]>([
    { plugin: spreadFunction, weight: 2 },
    { plugin: leastAllocated, weight: 1 },
  ]),
});

/** Filters the fold enforces anyway (PodBound to a node that is not ready, or may not run the pod's namespace, is rejected). */
const REQUIRED = new Set([nodeReady.name, podIsolation.name]);

/** How an operator tunes the cycle: score weights by plugin name, plugins switched off by name. */
export interface PluginConfig {
  scoreWeights?: Record<string, number>;
  disabled?: string[];
}

/** A config that names plugins the cycle does not have, or gives a weight that is not a number ≥ 0. */
export class PluginConfigError extends Error {
  constructor(
    message: string,
    readonly unknown: readonly string[],
    readonly invalidWeights: readonly string[],
  ) {
    super(message);
    this.name = 'PluginConfigError';
  }
}

/**
 * `base` (default: the built-in cycle) with `disabled` plugins removed and score weights replaced.
 * Names are checked before anything is built: a typo must not silently leave a plugin on.
 */
export function pluginsFromConfig(config: PluginConfig, base: Plugins = defaultPlugins): Plugins {
  const weights = config.scoreWeights ?? {};
  const disabled = new Set(config.disabled ?? []);
  const filterNames = new Set(base.filters.map((f) => f.name));
  const scoreNames = new Set(base.scores.map((s) => s.plugin.name));
  const unknownDisabled = [...disabled].filter((n) => !filterNames.has(n) && !scoreNames.has(n));
  const unknownWeighted = Object.keys(weights).filter((n) => !scoreNames.has(n));
  const unknown = [...new Set([...unknownDisabled, ...unknownWeighted])];
  const required = [...disabled].filter((n) => REQUIRED.has(n));
  if (required.length)
    throw new PluginConfigError(
      `scheduler plugin config: ${required.join(', ')} cannot be disabled: the log rejects a binding to a node that is not ready or may not run the pod's namespace, so the scheduler would retry it forever`,
      [],
      [],
    );
  const invalidWeights = Object.entries(weights)
    .filter(([, w]) => typeof w !== 'number' || !Number.isFinite(w) || w < 0)
    .map(([n]) => n);
  if (unknown.length || invalidWeights.length)
    throw new PluginConfigError(configProblems(unknown, invalidWeights, filterNames, scoreNames), unknown, invalidWeights);
  return {
    filters: base.filters.filter((f) => !disabled.has(f.name)),
    scores: base.scores.filter((s) => !disabled.has(s.plugin.name)).map((s) => ({ plugin: s.plugin, weight: weights[s.plugin.name] ?? s.weight })),
  };
}

function configProblems(unknown: readonly string[], invalid: readonly string[], filters: Set<string>, scores: Set<string>): string {
  const problems: string[] = [];
  if (unknown.length)
    problems.push(
      `unknown plugin${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (filters: ${[...filters].join(', ')}; scores: ${[...scores].join(', ')})`,
    );
  if (invalid.length) problems.push(`score weights must be finite numbers ≥ 0: ${invalid.join(', ')}`);
  return `scheduler plugin config: ${problems.join('; ')}`;
}
