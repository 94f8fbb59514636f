import { keyOf, type ClusterState, type Pod } from '@tide/core';

export interface PodPlan {
  create: { namespace: string; revision: string; count: number }[];
  remove: { pod: Pod; reason: string }[];
}

/**
 * What the revision controller must do so that each Function runs its desired number of pods (the
 * autoscaler's latest decision, kept in the function's status) of
 * its latest revision. Ready pods of older revisions keep serving until the latest has enough
 * Ready pods, so an update never leaves a function without a pod; pods of deleted functions go
 * at once.
 */
export function planPods(state: ClusterState): PodPlan {
  const plan: PodPlan = { create: [], remove: [] };
  const live = [...state.pods.values()].filter((p) => p.status.phase !== 'Terminating');
  const byFunction = new Map<string, Pod[]>();
  for (const pod of live) {
    const key = keyOf(pod.metadata.namespace, pod.spec.function);
    byFunction.set(key, [...(byFunction.get(key) ?? []), pod]);
  }
  for (const [key, pods] of byFunction) {
    if (!state.functions.get(key)) for (const pod of pods) plan.remove.push({ pod, reason: 'function deleted' });
  }
  for (const [key, fn] of [...state.functions.entries()]) {
    const namespace = fn.metadata.namespace!;
    const latest = fn.status.latestRevision;
    const pods = byFunction.get(key) ?? [];
    const current = pods.filter((p) => p.spec.revision === latest);
    const desired = fn.status.desiredReplicas;
    if (current.length < desired) plan.create.push({ namespace, revision: latest, count: desired - current.length });
    if (current.length > desired) {
      for (const pod of [...current].sort(byRemovalPreference).slice(0, current.length - desired)) plan.remove.push({ pod, reason: 'scaled down' });
    }
    // Older revisions serve only while the latest lacks Ready pods, and only with Ready pods of
    // their own (newest revision first): anything else of theirs holds capacity for nothing.
    const readyLatest = current.filter((p) => p.status.phase === 'Ready').length;
    const older = pods.filter((p) => p.spec.revision !== latest);
    const keep = new Set(
      older
        .filter((p) => p.status.phase === 'Ready')
        .sort((a, b) => b.spec.revision.localeCompare(a.spec.revision))
        .slice(0, Math.max(0, desired - readyLatest)),
    );
    for (const pod of older) if (!keep.has(pod)) plan.remove.push({ pod, reason: `replaced by revision ${latest}` });
  }
  return plan;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Bound: 1, Exited: 2, Starting: 3, Ready: 4 };

/** Remove pods that serve nothing first, then the newest. */
function byRemovalPreference(a: Pod, b: Pod): number {
  return (PHASE_RANK[a.status.phase] ?? 0) - (PHASE_RANK[b.status.phase] ?? 0) || b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp);
}
