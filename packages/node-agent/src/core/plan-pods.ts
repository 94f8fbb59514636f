import type { PodRunSpec } from '../pod-types.js';

/** Where the agent is with one pod; Stopping = asked to go away, not gone yet. */
export type ObservedPhase = 'Starting' | 'Ready' | 'Exited' | 'Stopping';

export interface ObservedPod {
  name: string;
  phase: ObservedPhase;
  /** Set while an Exited pod waits for its back-off. */
  nextRestartAt?: number;
}

export type PodAction = { type: 'start'; spec: PodRunSpec } | { type: 'restart'; pod: string } | { type: 'stop'; pod: string };

export interface PodPlan {
  actions: PodAction[];
  /** Earliest time a back-off ends: plan again then. */
  wakeAt?: number;
}

/**
 * Level-triggered: compares the desired pods with the observed ones. Pods are matched by name only;
 * a desired pod that already exists is left alone whatever its spec says (pods are immutable), so
 * planning twice with the same input never restarts anything.
 */
export function planPods(desired: readonly PodRunSpec[], observed: readonly ObservedPod[], now: number): PodPlan {
  const wanted = new Map<string, PodRunSpec>();
  for (const spec of desired) if (!wanted.has(spec.name)) wanted.set(spec.name, spec);
  const known = new Set(observed.map((pod) => pod.name));
  const actions: PodAction[] = [];
  let wakeAt: number | undefined;

  for (const spec of wanted.values()) if (!known.has(spec.name)) actions.push({ type: 'start', spec });
  for (const pod of observed) {
    if (!wanted.has(pod.name)) {
      if (pod.phase !== 'Stopping') actions.push({ type: 'stop', pod: pod.name });
      continue;
    }
    if (pod.phase !== 'Exited' || pod.nextRestartAt === undefined) continue;
    if (pod.nextRestartAt <= now) actions.push({ type: 'restart', pod: pod.name });
    else wakeAt = Math.min(wakeAt ?? Infinity, pod.nextRestartAt);
  }
  return wakeAt === undefined ? { actions } : { actions, wakeAt };
}
