import type { Pod } from '@tide/core';
import type { NodeTable } from './node-table.js';
import { createSchedulingContext, type CycleContext, type NodeUsage } from './scheduling-context.js';

/**
 * One pass's view of the cluster (the Kubernetes scheduler's snapshot): a node table, what the
 * pods bound to each node take from it and each function's pods per node, all by node index. Built
 * once per pass from the bound pods and updated by `bind` as the pass places pods, so asking about a
 * node is an array read. It answers a plugin's by-name questions the same as createSchedulingContext
 * over the same pods (pods bound to a node not in the table included).
 */
export interface CycleSnapshot extends CycleContext {
  readonly table: NodeTable;
  /** What the pods bound so far take from each node, by index. */
  readonly used: { readonly memoryMb: ArrayLike<number>; readonly cpuMilli: ArrayLike<number>; readonly pods: ArrayLike<number> };
  /** Pods of `pod`'s function (namespace and name) on each node, by index. */
  functionPodsByIndex(pod: Pod): ArrayLike<number>;
}

export function createCycleSnapshot(table: NodeTable, pods: Iterable<Pod>): CycleSnapshot {
  const n = table.nodes.length;
  const used = { memoryMb: new Float64Array(n), cpuMilli: new Float64Array(n), pods: new Float64Array(n) };
  // namespace → function → count by node index; a function with no pod shares the zeros.
  const functionPods = new Map<string, Map<string, Float64Array>>();
  const none = new Float64Array(n);
  // Pods bound to a node the table does not hold (a node deleted since) are still counted by name.
  const elsewhere = createSchedulingContext([]);

  const countsOf = (pod: Pod, create: boolean): Float64Array | undefined => {
    let byFunction = functionPods.get(pod.metadata.namespace);
    if (!byFunction) {
      if (!create) return undefined;
      functionPods.set(pod.metadata.namespace, (byFunction = new Map()));
    }
    let counts = byFunction.get(pod.spec.function);
    if (!counts && create) byFunction.set(pod.spec.function, (counts = new Float64Array(n)));
    return counts;
  };
  const bind = (pod: Pod, node: string): void => {
    const i = table.indexOf(node);
    if (i === undefined) return elsewhere.bind(pod, node);
    used.memoryMb[i]! += pod.spec.resources.memoryMb;
    used.cpuMilli[i]! += pod.spec.resources.cpuMilli;
    used.pods[i]! += 1;
    countsOf(pod, true)![i]! += 1;
  };
  for (const pod of pods) if (pod.spec.node) bind(pod, pod.spec.node);

  return {
    table,
    used,
    bind,
    functionPodsByIndex: (pod) => countsOf(pod, false) ?? none,
    usageOf(node): NodeUsage {
      const i = table.indexOf(node);
      return i === undefined ? elsewhere.usageOf(node) : { memoryMb: used.memoryMb[i]!, cpuMilli: used.cpuMilli[i]!, pods: used.pods[i]! };
    },
    functionPodsOn(node, pod) {
      const i = table.indexOf(node);
      return i === undefined ? elsewhere.functionPodsOn(node, pod) : (countsOf(pod, false)?.[i] ?? 0);
    },
  };
}
