/** The built-in plugins by name, for composing a cycle of one's own with `pluginsFromConfig`'s `base`. */
export { fitsResources } from './fits-resources.js';
export { leastAllocated } from './least-allocated.js';
export { maxPods } from './max-pods.js';
export { nodeReady } from './node-ready.js';
export { nodeSelector } from './node-selector.js';
export { podIsolation } from './pod-isolation.js';
export { spreadFunction } from './spread-function.js';
export { taintToleration, tolerates } from './taint-toleration.js';
export { unschedulable } from './unschedulable.js';
