import { foldAhead, keyOf, type ClusterState, type EventInput } from '@tide/core';
import { podChangeEvents, randomSuffix } from '@tide/controllers';
import { bindingEventsFor, type Plugins } from '@tide/scheduler';

/**
 * A leader's wake from zero as one batch: after the autoscaler's ScaleSet, the PodCreated the
 * revision controller would append for it and the PodBound the scheduler would append for those
 * pods, planned on the state the batch will leave (foldAhead), each a step of the scale decision's
 * trace as before. One append, one fsync and one fold hop instead of three round trips. Every
 * record keeps its own precondition: if another write lands between (the pods' versions differ)
 * the fold rejects the PodBound and the scheduler binds the pod on its next pass; pods the plan
 * could not place are left to it too (and the PodCreated's informative causeOffset then names the
 * offset the ScaleSet was planned at, not the one it got). Only while this process leads, as the
 * loops it stands for.
 */
export function wakeBatch(options: { plugins: Plugins; now?: () => number; newSuffix?: () => string }) {
  const now = options.now ?? Date.now;
  const newSuffix = options.newSuffix ?? randomSuffix;
  return (state: ClusterState, scaleSet: EventInput): EventInput[] => {
    if (scaleSet.type !== 'ScaleSet') return [];
    const { namespace, name } = scaleSet.data;
    const at = now();
    const scaled = acceptedAhead(state, [scaleSet], at);
    if (!scaled) return [];
    const created = podChangeEvents(scaled, newSuffix, { namespace, function: name }).filter((event) => event.type === 'PodCreated');
    if (created.length === 0) return [];
    const withPods = acceptedAhead(scaled, created, at);
    if (!withPods) return [];
    const names = new Set(created.map((event) => (event.type === 'PodCreated' ? event.data.name : '')));
    const bound = bindingEventsFor(withPods, options.plugins, (pod) => pod.metadata.namespace === namespace && names.has(pod.metadata.name));
    return [...created, ...bound];
  };
}

/**
 * The PodBound the scheduler would append next for the pods `changes` create, to append in the same
 * batch after them (the revision controller's followOn): a deploy's pods are bound one append and
 * fold hop sooner. Planned and judged as the wake batch's are.
 */
export function bindingsAhead(options: { plugins: Plugins; now?: () => number }) {
  const now = options.now ?? Date.now;
  return (state: ClusterState, changes: readonly EventInput[]): EventInput[] => {
    const ahead = foldAhead(state, changes, now());
    const created = new Set(
      changes.flatMap((event, i) => (event.type === 'PodCreated' && ahead.verdicts[i]!.accepted ? [keyOf(event.data.namespace, event.data.name)] : [])),
    );
    if (created.size === 0) return [];
    return bindingEventsFor(ahead.state, options.plugins, (pod) => created.has(keyOf(pod.metadata.namespace, pod.metadata.name)));
  };
}

/** The state after `events`, if the fold would accept every one of them there. */
function acceptedAhead(state: ClusterState, events: readonly EventInput[], nowMs: number): ClusterState | undefined {
  const ahead = foldAhead(state, events, nowMs);
  return ahead.verdicts.every((verdict) => verdict.accepted) ? ahead.state : undefined;
}
