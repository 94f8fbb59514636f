import { randomBytes } from 'node:crypto';
import {
  startCausedSpan,
  startReconcileLoop,
  type BatchGate,
  type ClusterState,
  type EventInput,
  type ReconcileLoop,
  type StateStore,
  type LeaderStamp,
} from '@tide/core';
import { incrementalPodPlan } from './core/incremental-pod-plan.js';
import { type PodPlan, planPods } from './core/pod-plan.js';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A Kubernetes-style random pod name suffix: 5 characters that never spell words. */
export function randomSuffix(): string {
  return [...randomBytes(5)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** Keeps every Function's pods at the desired count of its latest revision. */
export function startRevisionController(
  store: StateStore,
  options: {
    newSuffix?: () => string;
    onError?: (e: Error) => void;
    leader?: LeaderStamp;
    gate?: BatchGate;
    /**
     * Events appended in the same batch after the pods' changes: the bindings the scheduler would
     * append next (the control plane's bindingsAhead), one append and fold hop instead of two. The
     * batch holds `gate`, so the scheduler does not look at the state between its records.
     */
    followOn?: (state: ClusterState, changes: readonly EventInput[]) => EventInput[];
  } = {},
): ReconcileLoop {
  const newSuffix = options.newSuffix ?? randomSuffix;
  const { followOn, gate } = options;
  // Follows each folded record, so a pass plans only the functions that changed since the last.
  const planner = incrementalPodPlan();
  let before = store.state();
  const unsubscribe = store.subscribe((event, _verdict, after) => {
    planner.observe(before, after, event);
    before = after;
  });
  const loop = startReconcileLoop(store, {
    name: 'revision-controller',
    ...(options.leader ? { leader: options.leader } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    reconcile(state) {
      const changes = podChangeEvents(state, newSuffix, undefined, planner.plan(state));
      return followOn && changes.length > 0 ? [...changes, ...followOn(state, changes)] : changes;
    },
    ...(gate ? { gate, holds: gate } : {}),
  });
  return {
    poke: () => loop.poke(),
    async stop() {
      unsubscribe();
      await loop.stop();
    },
  };
}

/**
 * What the revision controller appends for `state`: PodCreated for the pods functions lack (each
 * in the trace of the change that wants it) and PodDeletionRequested for those they have too many
 * of (`only`: for one function; `plan`: the controller's incremental plan of `state`, else planned
 * whole). Also how a leader plans, ahead of the log, the pods a wake from
 * zero creates (one batch).
 */
export function podChangeEvents(
  state: ClusterState,
  newSuffix: () => string = randomSuffix,
  only?: { namespace: string; function: string },
  plan: PodPlan = planPods(state),
): EventInput[] {
  const events: EventInput[] = [];
  const wanted = (namespace: string, fn: string) => !only || (only.namespace === namespace && only.function === fn);
  for (const { namespace, function: name, revision, count, causeOffset, cause } of plan.create) {
    if (!wanted(namespace, name)) continue;
    // The pods continue the trace of the change that wants them (a deploy, a scale decision).
    const { span, traceparent } = startCausedSpan('tide-controllers', `create pods ${namespace}/${revision}`, cause, {
      attributes: { 'tide.namespace': namespace, 'tide.function': name, 'tide.revision': revision, 'tide.pods': count },
    });
    for (let i = 0; i < count; i++)
      events.push({
        type: 'PodCreated',
        data: { namespace, name: `${revision}-${newSuffix()}`, revision, causeOffset },
        expect: null,
        ...(traceparent ? { traceparent } : {}),
      });
    span.end();
  }
  for (const { pod, reason } of plan.remove) {
    if (!wanted(pod.metadata.namespace, pod.spec.function)) continue;
    events.push({
      type: 'PodDeletionRequested',
      data: { namespace: pod.metadata.namespace, name: pod.metadata.name, reason },
      expect: Number(pod.metadata.resourceVersion),
    });
  }
  return events;
}
