import type { EventOf } from '../events.js';
import type { ClusterState } from '../state.js';
import { API_VERSION } from '../resources/meta.js';
import type { TideNode } from '../resources/pod.js';
import { newMeta, type FoldContext, type HandlerResult } from './context.js';

/**
 * A node agent (re)started. Its earlier incarnation's processes are gone (the agent stops strays
 * before registering), so its pods go back to Bound to be started again, and pods that were
 * terminating there are gone.
 */
export function nodeRegistered(state: ClusterState, event: EventOf<'NodeRegistered'>, ctx: FoldContext): HandlerResult {
  const { name, bootId, address, capacity } = event.data;
  const existing = state.nodes.get(name);
  const metadata = existing ? { ...existing.metadata, resourceVersion: String(ctx.offset) } : newMeta(ctx, name, undefined);
  const node: TideNode = { apiVersion: API_VERSION, kind: 'Node', metadata, spec: { capacity, address }, status: { ready: true, bootId } };
  const pods = state.pods.withMutations((draft) => {
    for (const [key, pod] of state.pods) {
      if (pod.spec.node !== name || pod.status.nodeBootId === bootId || pod.status.phase === 'Bound') continue;
      if (pod.status.phase === 'Terminating') draft.delete(key);
      else {
        draft.set(key, {
          ...pod,
          metadata: { ...pod.metadata, resourceVersion: String(ctx.offset) },
          status: { phase: 'Bound', restartCount: pod.status.restartCount, reason: `node ${name} restarted` },
        });
      }
    }
  });
  return { state: { ...state, nodes: state.nodes.set(name, node), pods } };
}
