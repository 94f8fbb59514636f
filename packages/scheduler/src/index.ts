export {
  schedule,
  feasibleNodesToFind,
  normalise,
  PASS,
  fail,
  InvalidScoreError,
  MAX_NODE_SCORE,
  type FilterPlugin,
  type FilterResult,
  type NodeCheck,
  type NodeScore,
  type ScorePlugin,
  type WeightedScore,
  type Plugins,
  type ScheduleResult,
  type ScheduleOptions,
} from './core/framework.js';
export { createSchedulingContext, type SchedulingContext, type CycleContext, type NodeUsage } from './core/scheduling-context.js';
export type { CycleSnapshot } from './core/cycle-snapshot.js';
export type { NodeTable } from './core/node-table.js';
export { assignPending, isPending, type Assignment, type Binding, type UnschedulableVerdict } from './core/assign.js';
export { schedulingEvents, type SchedulingEvents } from './core/scheduling-events.js';
export { summariseReasons, MAX_REASONS, MAX_REASON_CHARS } from './core/reasons.js';
export { defaultPlugins, pluginsFromConfig, PluginConfigError, type PluginConfig } from './core/default-plugins.js';
export * as plugins from './core/plugins/index.js';
export { startScheduler, type SchedulerOptions } from './scheduler-loop.js';
export { bindingEventsFor } from './traced-binding.js';
export { benchPlacements, type PlacementBench, type PlacementBenchOptions } from './bench.js';
