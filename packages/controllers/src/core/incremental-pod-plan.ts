import { keyOf, subjectOf, type ClusterState, type LoggedEvent } from '@tide/core';
import { boundsPods, planFunctionPods, quotaRoom, type PodPlan } from './pod-plan.js';

/**
 * planPods kept up to date by what each event changed, so a pass after a pod's report or a
 * function's apply plans that one function, not the whole cluster (a pass over 10 000 functions
 * was the control plane's main cost at that size). Each function's part of the plan is a function
 * of the function, its pods and, under a quota bounding pods, its namespace's room only: parts of
 * functions that nothing changed stay as they were (an empty part stays empty; a part whose events
 * the fold rejected is proposed again, as a full plan would). Functions of a namespace whose quota
 * bounds pods share its room, so a change there plans all of them again, in one order.
 *
 * The same plan as planPods(state), up to the order of its entries (pod-plan.test.ts checks it
 * after every event of generated histories). Anything it does not follow event by event (a node's
 * restart or loss, a namespace's change, a store that started over) has everything planned again.
 */
export interface IncrementalPodPlan {
  /** Called for every record the store folds, with the states before and after it. */
  observe(before: ClusterState, after: ClusterState, event: LoggedEvent | undefined): void;
  /** The plan for `state`: the last state observed (any other is planned from scratch). */
  plan(state: ClusterState): PodPlan;
}

interface Index {
  /** Pod keys by function key, Terminating ones included (they are filtered when planned). */
  podsByFunction: Map<string, Set<string>>;
  /** Function keys by namespace, for the namespaces whose functions share a quota's room. */
  functionsByNamespace: Map<string, Set<string>>;
  /** Non-empty parts of the plan, by function key. */
  parts: Map<string, PodPlan>;
}

export function incrementalPodPlan(): IncrementalPodPlan {
  let index: Index | undefined;
  let observed: ClusterState | undefined;
  const dirty = new Set<string>();

  const add = (map: Map<string, Set<string>>, key: string, member: string) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(member);
  };
  const remove = (map: Map<string, Set<string>>, key: string, member: string) => {
    const set = map.get(key);
    set?.delete(member);
    if (set?.size === 0) map.delete(key);
  };

  const rebuild = (state: ClusterState): Index => {
    const built: Index = { podsByFunction: new Map(), functionsByNamespace: new Map(), parts: new Map() };
    for (const [key, pod] of state.pods) add(built.podsByFunction, keyOf(pod.metadata.namespace, pod.spec.function), key);
    for (const [key, fn] of state.functions) add(built.functionsByNamespace, fn.metadata.namespace!, key);
    replan(state, built, new Set([...built.podsByFunction.keys(), ...state.functions.keys()]));
    return built;
  };

  /** Plans the functions named again; those of a namespace whose quota bounds pods, all together. */
  const replan = (state: ClusterState, into: Index, keys: Iterable<string>) => {
    const plain: string[] = [];
    const sharing = new Map<string, Set<string>>();
    for (const key of keys) {
      const namespace = key.slice(0, key.indexOf('/'));
      if (!boundsPods(state, namespace)) plain.push(key);
      else if (sharing.has(namespace)) sharing.get(namespace)!.add(key);
      else sharing.set(namespace, new Set([key]));
    }
    const unbounded = { pods: Infinity, memoryMb: Infinity };
    for (const key of plain) planOne(state, into, key, unbounded);
    for (const [namespace, keysHere] of sharing) {
      // Every function of the namespace, with pods, or with a part left to drop (a deleted one's).
      const prefix = `${namespace}/`;
      for (const key of into.functionsByNamespace.get(namespace) ?? []) keysHere.add(key);
      for (const key of into.podsByFunction.keys()) if (key.startsWith(prefix)) keysHere.add(key);
      for (const key of into.parts.keys()) if (key.startsWith(prefix)) keysHere.add(key);
      const room = quotaRoom(state, namespace);
      for (const key of [...keysHere].sort()) planOne(state, into, key, room);
    }
  };

  const planOne = (state: ClusterState, into: Index, key: string, room: { pods: number; memoryMb: number }) => {
    const pods = [];
    for (const podKey of into.podsByFunction.get(key) ?? []) {
      const pod = state.pods.get(podKey);
      if (pod && pod.status.phase !== 'Terminating') pods.push(pod);
    }
    const part: PodPlan = { create: [], remove: [] };
    planFunctionPods(state.functions.get(key), pods, part, room);
    if (part.create.length === 0 && part.remove.length === 0) into.parts.delete(key);
    else into.parts.set(key, part);
  };

  return {
    observe(before, after, event) {
      observed = after;
      if (!index) return;
      const podsChanged = after.pods !== before.pods;
      const functionsChanged = after.functions !== before.functions;
      if (event === undefined || after.namespaces !== before.namespaces) {
        index = undefined;
        return;
      }
      if (!podsChanged && !functionsChanged) return;
      const subject = subjectOf(event);
      const slash = subject.indexOf('/');
      const kind = subject.slice(0, slash);
      const key = subject.slice(slash + 1);
      if (kind === 'pods' && !functionsChanged) {
        const now = after.pods.get(key);
        const pod = now ?? before.pods.get(key);
        if (!pod) return;
        const fnKey = keyOf(pod.metadata.namespace, pod.spec.function);
        if (now) add(index.podsByFunction, fnKey, key);
        else remove(index.podsByFunction, fnKey, key);
        dirty.add(fnKey);
      } else if (kind === 'functions' && !podsChanged) {
        const namespace = key.slice(0, key.indexOf('/'));
        if (after.functions.has(key)) add(index.functionsByNamespace, namespace, key);
        else remove(index.functionsByNamespace, namespace, key);
        dirty.add(key);
      } else index = undefined; // several pods or functions at once: planned again from scratch
    },
    plan(state) {
      if (!index || state !== observed) {
        index = rebuild(state);
        observed = state;
      } else replan(state, index, dirty);
      dirty.clear();
      const plan: PodPlan = { create: [], remove: [] };
      for (const part of index.parts.values()) {
        plan.create.push(...part.create);
        plan.remove.push(...part.remove);
      }
      return plan;
    },
  };
}
