import { keyOf, podsOf, usageOf, type ClusterState, type Pod, type TideFunction } from '@tide/core';

export interface PodPlan {
  /**
   * causeOffset: the function's version (the offset of its last change) that asked for the pods;
   * `cause`: that change's trace context, which these pods carry on.
   */
  create: { namespace: string; function: string; revision: string; count: number; causeOffset: number; cause?: string }[];
  remove: { pod: Pod; reason: string }[];
}

/**
 * Pods each revision of a function should have: the desired replicas shared by traffic percent (at
 * least one pod for a revision with any traffic), one for a tagged revision so its URL answers,
 * and at least one for the latest so a deploy shows that it runs. Nothing when scaled to zero.
 * With a `standIn` (see standInFor), the latest revision's share goes to it and the latest keeps
 * the one pod that shows whether it can start.
 */
export function wantedByRevision(fn: TideFunction, standIn?: string): Map<string, number> {
  const desired = fn.status.desiredReplicas;
  const wanted = new Map<string, number>();
  if (desired === 0) return wanted;
  const want = (revision: string, count: number) => wanted.set(revision, Math.max(wanted.get(revision) ?? 0, count));
  const latest = fn.status.latestRevision;
  for (const target of fn.status.traffic) {
    const revision = target.revision === latest && standIn !== undefined ? standIn : target.revision;
    if (target.percent > 0) want(revision, Math.max(1, Math.ceil((desired * target.percent) / 100)));
    else if (target.tag) want(target.revision, 1);
  }
  want(latest, 1);
  return wanted;
}

/**
 * The revision that serves in place of a latest revision with no Ready pod (Knative's
 * latestReadyRevision, read from pods): the newest other revision with a Ready pod, as the gateway
 * routes; else the newest other revision with a pod that exited but is not crash-looping, so that
 * an old pod that exits once while the latest cannot start is restarted rather than removed, and
 * traffic never moves to a revision that never became ready. A crash-looping old revision is no
 * stand-in: it serves nothing, and its pods must make room (and quota) for the fix being deployed.
 * Undefined once the latest has a Ready pod, or when no other revision qualifies.
 */
export function standInFor(fn: TideFunction, pods: readonly Pod[]): string | undefined {
  const latest = fn.status.latestRevision;
  const live = pods.filter((p) => p.status.phase !== 'Terminating');
  if (live.some((p) => p.spec.revision === latest && p.status.phase === 'Ready')) return undefined;
  const others = live.filter((p) => p.spec.revision !== latest);
  const newest = (candidates: readonly Pod[]) =>
    candidates
      .map((p) => p.spec.revision)
      .sort()
      .at(-1);
  return newest(others.filter((p) => p.status.phase === 'Ready')) ?? newest(others.filter((p) => p.status.waiting !== 'CrashLoopBackOff'));
}

/**
 * What the revision controller must do so that each Function runs the pods its revisions want.
 * A rollout is bounded like a Kubernetes Deployment's: at most maxSurge pods above what is wanted
 * exist at once, and Ready pods of revisions being replaced go only while at least
 * wanted − maxUnavailable Ready pods remain. Pods of deleted functions go at once.
 */
export function planPods(state: ClusterState): PodPlan {
  const plan: PodPlan = { create: [], remove: [] };
  const byFunction = new Map<string, Pod[]>();
  for (const pod of state.pods.values()) {
    if (pod.status.phase === 'Terminating') continue;
    const key = keyOf(pod.metadata.namespace, pod.spec.function);
    const pods = byFunction.get(key);
    if (pods) pods.push(pod);
    else byFunction.set(key, [pod]);
  }
  const room = new Map<string, QuotaRoom>();
  // By key: functions that share a quota's room get it in the same order however the maps iterate.
  for (const key of [...new Set([...byFunction.keys(), ...state.functions.keys()])].sort()) {
    const namespace = key.slice(0, key.indexOf('/'));
    if (!room.has(namespace)) room.set(namespace, quotaRoom(state, namespace));
    planFunctionPods(state.functions.get(key), byFunction.get(key) ?? [], plan, room.get(namespace)!);
  }
  return plan;
}

/** How many more pods and MB a namespace's quota allows (Infinity without a quota). */
export interface QuotaRoom {
  pods: number;
  memoryMb: number;
}

/** Whether a namespace's quota bounds its pods: then its functions share its room, in one order. */
export function boundsPods(state: ClusterState, namespace: string): boolean {
  const quota = state.namespaces.get(namespace)?.spec.quota;
  return quota?.maxPods !== undefined || quota?.maxMemoryMb !== undefined;
}

export function quotaRoom(state: ClusterState, namespace: string): QuotaRoom {
  const quota = state.namespaces.get(namespace)?.spec.quota;
  if (!boundsPods(state, namespace)) return { pods: Infinity, memoryMb: Infinity };
  const used = usageOf(state, namespace);
  return {
    pods: quota?.maxPods === undefined ? Infinity : Math.max(0, quota.maxPods - used.pods),
    memoryMb: quota?.maxMemoryMb === undefined ? Infinity : Math.max(0, quota.maxMemoryMb - used.memoryMb),
  };
}

/**
 * One function's part of the plan (planPods'), from its live pods: what it must create and remove,
 * or every pod to remove when the function is gone. `room` is its namespace's, and shrinks by what
 * this plans to create.
 */
export function planFunctionPods(fn: TideFunction | undefined, pods: Pod[], plan: PodPlan, room: QuotaRoom): void {
  // By name, so that ties (two Ready pods of one old revision) go the same way whatever the order given.
  const byName = [...pods].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  if (fn === undefined) for (const pod of byName) plan.remove.push({ pod, reason: 'function deleted' });
  else planFunction(fn, byName, plan, room);
}

function planFunction(fn: TideFunction, pods: Pod[], plan: PodPlan, room: QuotaRoom): void {
  const namespace = fn.metadata.namespace!;
  const standIn = standInFor(fn, pods);
  const wanted = wantedByRevision(fn, standIn);
  const totalWanted = [...wanted.values()].reduce((a, b) => a + b, 0);
  // Ready pods that must remain: the latest's single trial pod does not serve while a stand-in does.
  const servingWanted = totalWanted - (standIn === undefined ? 0 : (wanted.get(fn.status.latestRevision) ?? 0));
  const desired = fn.status.desiredReplicas;
  const surge = Math.max(0, podsOf(fn.spec.rollout.maxSurge, desired, 'up'));
  const maxUnavailable = podsOf(fn.spec.rollout.maxUnavailable, desired, 'down');
  let live = pods.length;

  let budget = Math.max(0, totalWanted + surge - live);
  for (const [revision, count] of wanted) {
    const own = pods.filter((p) => p.spec.revision === revision);
    // Never propose a pod the namespace's quota would refuse: the fold would reject it anyway.
    const fitting = Math.min(room.pods, Math.floor(room.memoryMb / fn.spec.resources.memoryMb));
    if (own.length < count && budget > 0 && fitting > 0) {
      const adding = Math.min(count - own.length, budget, fitting);
      room.pods -= adding;
      room.memoryMb -= adding * fn.spec.resources.memoryMb;
      plan.create.push({
        namespace,
        function: fn.metadata.name,
        revision,
        count: adding,
        causeOffset: Number(fn.metadata.resourceVersion),
        ...(fn.metadata.traceparent === undefined ? {} : { cause: fn.metadata.traceparent }),
      });
      budget -= adding;
    }
    if (own.length > count) {
      for (const pod of [...own].sort(byRemovalPreference).slice(0, own.length - count)) plan.remove.push({ pod, reason: 'scaled down' });
      live -= own.length - count;
    }
  }

  const replacing = pods.filter((p) => !wanted.has(p.spec.revision));
  const reason = desired === 0 ? 'scaled to zero' : `replaced by revision ${fn.status.latestRevision}`;
  for (const pod of replacing) if (pod.status.phase !== 'Ready') plan.remove.push({ pod, reason });
  const ready = pods.filter((p) => p.status.phase === 'Ready' && !plan.remove.some((r) => r.pod === p)).length;
  const removable = Math.max(0, ready - (servingWanted - maxUnavailable));
  const readyOld = replacing.filter((p) => p.status.phase === 'Ready').sort((a, b) => a.spec.revision.localeCompare(b.spec.revision));
  for (const pod of readyOld.slice(0, removable)) plan.remove.push({ pod, reason });
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Bound: 1, Exited: 2, Starting: 3, Ready: 4 };

/** Remove pods that serve nothing first, then the newest. */
function byRemovalPreference(a: Pod, b: Pod): number {
  return (PHASE_RANK[a.status.phase] ?? 0) - (PHASE_RANK[b.status.phase] ?? 0) || b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp);
}
