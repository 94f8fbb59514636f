import { Map as PersistentMap } from 'immutable';
import type { SubjectRef } from '../events.js';
import type { ClusterState } from '../state.js';
import type { Pod } from '../resources/pod.js';

/** What a namespace's live pods and functions use now (terminating pods no longer count). */
export interface NamespaceUsage {
  pods: number;
  memoryMb: number;
  functions: number;
}

/** Usage by namespace, kept by the fold as it goes (a namespace that uses nothing may be absent). */
export type UsageIndex = PersistentMap<string, NamespaceUsage>;

export const emptyUsageIndex: UsageIndex = PersistentMap<string, NamespaceUsage>();

const NONE: NamespaceUsage = Object.freeze({ pods: 0, memoryMb: 0, functions: 0 });

/**
 * A namespace's usage: from the index the fold keeps, or counted from the pods and functions for
 * a state that has none yet (one just loaded from a snapshot, which does not store it).
 */
export function usageIn(state: ClusterState, namespace: string): NamespaceUsage {
  return (state.usage ?? countUsage(state)).get(namespace) ?? NONE;
}

/** The index counted from scratch: every pod and function once. */
export function countUsage(state: Pick<ClusterState, 'pods' | 'functions'>): UsageIndex {
  const counts = new Map<string, NamespaceUsage>();
  const add = (namespace: string, delta: NamespaceUsage) => counts.set(namespace, plus(counts.get(namespace) ?? NONE, delta));
  for (const pod of state.pods.values()) add(pod.metadata.namespace, podUse(pod));
  for (const fn of state.functions.values()) add(fn.metadata.namespace!, { pods: 0, memoryMb: 0, functions: 1 });
  return PersistentMap(counts);
}

/**
 * The usage index of `after`, the state an accepted event made of `before`. A pod event changes
 * its own pod only, a function's apply or deletion its own function only: the index moves by that
 * one difference, so a PodCreated judged against a quota costs the same in a namespace of ten pods
 * as in one of ten thousand. Any other event that changed pods or functions (a node's restart or
 * loss, a namespace's deletion: rare, and already a pass over the pods) has them counted again.
 */
export function carryUsage(before: ClusterState, after: ClusterState, { kind, key }: SubjectRef): ClusterState {
  if (after.pods === before.pods && after.functions === before.functions && after.usage !== undefined) return after;
  const index = before.usage;
  if (index === undefined) return { ...after, usage: countUsage(after) };
  if (kind === 'pods' && after.functions === before.functions) {
    const was = before.pods.get(key);
    const now = after.pods.get(key);
    const namespace = (now ?? was)?.metadata.namespace;
    return withUsage(after, namespace === undefined ? index : moved(index, namespace, minus(podUse(now), podUse(was))));
  }
  if (kind === 'functions' && after.pods === before.pods) {
    const had = before.functions.has(key) ? 1 : 0;
    const has = after.functions.has(key) ? 1 : 0;
    return withUsage(after, moved(index, key.slice(0, key.indexOf('/')), { pods: 0, memoryMb: 0, functions: has - had }));
  }
  return { ...after, usage: countUsage(after) };
}

/** `state` with `usage`: the same object when it has it already (most pod events move no usage). */
function withUsage(state: ClusterState, usage: UsageIndex): ClusterState {
  return state.usage === usage ? state : { ...state, usage };
}

function podUse(pod: Pod | undefined): NamespaceUsage {
  if (!pod || pod.status.phase === 'Terminating') return NONE;
  return { pods: 1, memoryMb: pod.spec.resources.memoryMb, functions: 0 };
}

function moved(index: UsageIndex, namespace: string, delta: NamespaceUsage): UsageIndex {
  if (delta.pods === 0 && delta.memoryMb === 0 && delta.functions === 0) return index;
  return index.set(namespace, plus(index.get(namespace) ?? NONE, delta));
}

function plus(a: NamespaceUsage, b: NamespaceUsage): NamespaceUsage {
  return { pods: a.pods + b.pods, memoryMb: a.memoryMb + b.memoryMb, functions: a.functions + b.functions };
}

function minus(a: NamespaceUsage, b: NamespaceUsage): NamespaceUsage {
  return { pods: a.pods - b.pods, memoryMb: a.memoryMb - b.memoryMb, functions: a.functions - b.functions };
}
