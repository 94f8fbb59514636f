import type { ClusterState, Pod } from '@tide/core';
import { createCycleSnapshot } from './cycle-snapshot.js';
import type { Plugins } from './framework.js';
import { createNodeTable, type NodeTable } from './node-table.js';
import { summariseReasons } from './reasons.js';
import { scheduleOnSnapshot } from './snapshot-schedule.js';

export interface Binding {
  pod: Pod;
  node: string;
  /** Each score plugin's normalised 0..100 for the chosen node, to explain the choice. */
  scores: Record<string, number>;
}

export interface UnschedulableVerdict {
  pod: Pod;
  /** Why no node fits, bounded to what a PodUnschedulable event may carry. */
  reasons: string[];
}

export interface Assignment {
  bindings: Binding[];
  unschedulable: UnschedulableVerdict[];
}

/**
 * Places every Pending pod in one pass, oldest first, counting each binding against its node
 * before the next pod is placed, so a pass never over-commits a node. Pure: the state is only read.
 */
export function assignPending(state: Pick<ClusterState, 'pods' | 'nodes'>, plugins: Plugins): Assignment {
  const assignment: Assignment = { bindings: [], unschedulable: [] };
  const pods = [...state.pods.values()];
  const pending = pods.filter(isPending);
  // Most passes follow a pod's report, with nothing to place: no per-node usage to count then.
  if (pending.length === 0) return assignment;
  const table = nodeTableOf(state.nodes);
  const nodeCount = table.nodes.length;
  const snapshot = createCycleSnapshot(table, pods);
  // Each pod's search starts where the previous one stopped, so large clusters share the load.
  let startIndex = 0;
  for (const pod of oldestFirst(pending)) {
    const { result, visited } = scheduleOnSnapshot(pod, plugins, snapshot, { startIndex });
    startIndex = nodeCount ? (startIndex + visited) % nodeCount : 0;
    if (result.node === undefined) {
      assignment.unschedulable.push({ pod, reasons: summariseReasons(result.reasons) });
    } else {
      snapshot.bind(pod, result.node);
      assignment.bindings.push({ pod, node: result.node, scores: result.scores });
    }
  }
  return assignment;
}

/**
 * The nodes by name (so ties, reasons and results do not depend on the map's iteration order) in a
 * node table. The fold's maps are persistent: the same map object means the same nodes, so a pass
 * after a pod change (most passes) reuses the last table instead of building it again.
 */
const tableByMap = new WeakMap<ClusterState['nodes'], NodeTable>();
export function nodeTableOf(map: ClusterState['nodes']): NodeTable {
  let table = tableByMap.get(map);
  if (table === undefined) tableByMap.set(map, (table = createNodeTable(map.values())));
  return table;
}

export function isPending(pod: Pod): boolean {
  return pod.status.phase === 'Pending' && pod.spec.node === undefined && pod.metadata.deletionTimestamp === undefined;
}

/** By creation time, then name, then namespace; a timestamp that does not parse sorts last. */
function oldestFirst(pods: readonly Pod[]): Pod[] {
  const keyed = pods.map((pod) => {
    const at = Date.parse(pod.metadata.creationTimestamp);
    return { pod, at: Number.isNaN(at) ? Infinity : at };
  });
  keyed.sort((a, b) => compare(a.at, b.at) || compare(a.pod.metadata.name, b.pod.metadata.name) || compare(a.pod.metadata.namespace, b.pod.metadata.namespace));
  return keyed.map((k) => k.pod);
}

function compare<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
