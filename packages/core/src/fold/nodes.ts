import type { EventOf } from '../events.js';
import type { ClusterState } from '../state.js';
import { rejected } from '../state.js';
import { API_VERSION } from '../resources/meta.js';
import type { TideNode } from '../resources/pod.js';
import { isolationRefusal } from '../resources/pod-isolation.js';
import { newMeta, type FoldContext, type HandlerResult, changedMeta } from './context.js';

/**
 * A node agent (re)started. Its earlier incarnation's processes are gone (the agent stops strays
 * before registering), so its pods go back to Bound to be started again, and pods that were
 * terminating there are gone. Pods of namespaces it no longer runs (it lost its sandbox) are gone
 * too: the revision controller makes their replacements where they may run.
 */
export function nodeRegistered(state: ClusterState, event: EventOf<'NodeRegistered'>, ctx: FoldContext): HandlerResult {
  const { name, bootId, address, capacity, labels, taints, isolation } = event.data;
  const existing = state.nodes.get(name);
  const metadata = existing ? changedMeta({ ...existing.metadata, labels }, ctx) : newMeta(ctx, name, undefined, labels);
  // Cordoning is the operator's decision and outlives the agent's restarts.
  const unschedulable = existing?.spec.unschedulable ?? false;
  const node: TideNode = {
    apiVersion: API_VERSION,
    kind: 'Node',
    metadata,
    spec: { capacity, address, taints, unschedulable, ...(isolation ? { isolation } : {}) },
    status: { ready: true, bootId },
  };
  const pods = state.pods.withMutations((draft) => {
    for (const [key, pod] of state.pods) {
      if (pod.spec.node !== name) continue;
      if (isolationRefusal(isolation, pod.metadata.namespace)) draft.delete(key);
      else if (pod.status.nodeBootId === bootId || pod.status.phase === 'Bound') continue;
      else if (pod.status.phase === 'Terminating') draft.delete(key);
      else {
        draft.set(key, {
          ...pod,
          metadata: changedMeta(pod.metadata, ctx),
          status: { phase: 'Bound', restartCount: pod.status.restartCount, reason: `node ${name} restarted` },
        });
      }
    }
  });
  return { state: { ...state, nodes: state.nodes.set(name, node), pods } };
}

export function nodeCordoned(state: ClusterState, event: EventOf<'NodeCordoned'>, ctx: FoldContext): HandlerResult {
  const { name, unschedulable } = event.data;
  const node = state.nodes.get(name);
  if (!node) return { rejected: rejected('not-found', `node ${name} not found`) };
  const updated: TideNode = { ...node, metadata: changedMeta(node.metadata, ctx), spec: { ...node.spec, unschedulable } };
  return { state: { ...state, nodes: state.nodes.set(name, updated) } };
}

/**
 * `tide delete node`: only a node that is not ready (its agent stopped heartbeating) may go, as a
 * live agent would go on reporting for a node that no longer exists. Its pods go with it; the
 * revision controller makes replacements elsewhere. A new agent of that name registers afresh.
 */
export function nodeDeleted(state: ClusterState, event: EventOf<'NodeDeleted'>): HandlerResult {
  const { name } = event.data;
  const node = state.nodes.get(name);
  if (!node) return { rejected: rejected('not-found', `node ${name} not found`) };
  if (node.status.ready)
    return { rejected: rejected('conflict', `node ${name} is Ready: its agent is still running; stop the agent first (tide drain ${name} moves its pods)`) };
  return { state: { ...state, nodes: state.nodes.delete(name), pods: state.pods.filter((pod) => pod.spec.node !== name) } };
}

/**
 * The node lifecycle controller's verdict on a node's lease. A node that lost its lease is not
 * ready and its pods are evicted (the revision controller makes replacements elsewhere); when the
 * same incarnation renews its lease, it is ready again, with no pods until new ones are bound.
 */
export function nodeReadinessChanged(state: ClusterState, event: EventOf<'NodeReadinessChanged'>, ctx: FoldContext): HandlerResult {
  const { name, bootId, ready, reason } = event.data;
  const node = state.nodes.get(name);
  if (!node) return { rejected: rejected('not-found', `node ${name} not found`) };
  if (node.status.bootId !== bootId) return { rejected: rejected('conflict', `node ${name} has restarted since (boot ${node.status.bootId}, not ${bootId})`) };
  if (node.status.ready === ready) return { rejected: rejected('conflict', `node ${name} is already ${ready ? 'ready' : 'not ready'}`) };
  const updated: TideNode = {
    ...node,
    metadata: changedMeta(node.metadata, ctx),
    status: { ready, bootId, ...(ready ? {} : { reason }) },
  };
  const pods = ready ? state.pods : state.pods.filter((pod) => pod.spec.node !== name);
  return { state: { ...state, nodes: state.nodes.set(name, updated), pods } };
}
