import { keyOf, type Pod } from '@tide/core';

/** What a node agent in this process says of one of its pods: ready at `endpoint`, or not (endpoint absent). */
export interface PodReadiness {
  namespace: string;
  pod: string;
  node: string;
  /** The agent's incarnation: a report of another one than the fold's for this pod counts for nothing. */
  bootId: string;
  endpoint?: string;
}

/**
 * Pods a node agent in this same process (`tide up`) has seen become ready, before its Ready report
 * is appended and folded: a held call is released to the pod at once, not one append, fsync and
 * fold later. Safe because it only adds to what the fold decided: an endpoint counts only for a
 * pod the fold has bound to that very node and not yet moved on from (Bound or Starting, not being
 * deleted), so a pod the fold has not bound never gets traffic, and one the fold takes away
 * (deleted, evicted, its node's incarnation reset) stops getting it as soon as that is folded. The
 * agent that says so runs in this process: if it dies, so does this gateway, and a gateway of
 * another process (another machine, a fail-over) learns readiness from the log alone.
 */
export interface ReadyAhead {
  /** From the agent, for each report it makes of a pod: ready (endpoint) or not. */
  report(readiness: PodReadiness): void;
  /** The endpoint of `pod` as the agent reported it, if the fold's view of the pod allows routing to it. */
  endpointOf(pod: Pod): string | undefined;
  /** Called after each change of what the agent reported. */
  subscribe(listener: () => void): () => void;
}

export function createReadyAhead(): ReadyAhead {
  const ready = new Map<string, { node: string; bootId: string; endpoint: string }>();
  const listeners = new Set<() => void>();
  return {
    report({ namespace, pod, node, bootId, endpoint }) {
      const key = keyOf(namespace, pod);
      if (endpoint === undefined) {
        if (!ready.delete(key)) return;
      } else ready.set(key, { node, bootId, endpoint });
      for (const listener of listeners) listener();
    },
    endpointOf(pod) {
      const seen = ready.get(keyOf(pod.metadata.namespace, pod.metadata.name));
      if (!seen || pod.spec.node !== seen.node || pod.metadata.deletionTimestamp !== undefined) return undefined;
      if (pod.status.nodeBootId !== undefined && pod.status.nodeBootId !== seen.bootId) return undefined;
      return pod.status.phase === 'Bound' || pod.status.phase === 'Starting' ? seen.endpoint : undefined;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
