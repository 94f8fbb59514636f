import { randomBytes } from 'node:crypto';
import { startCausedSpan, startReconcileLoop, type EventInput, type ReconcileLoop, type StateStore, type LeaderStamp } from '@tide/core';
import { incrementalPodPlan } from './core/incremental-pod-plan.js';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A Kubernetes-style random pod name suffix: 5 characters that never spell words. */
export function randomSuffix(): string {
  return [...randomBytes(5)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** Keeps every Function's pods at the desired count of its latest revision. */
export function startRevisionController(
  store: StateStore,
  options: { newSuffix?: () => string; onError?: (e: Error) => void; leader?: LeaderStamp } = {},
): ReconcileLoop {
  const newSuffix = options.newSuffix ?? randomSuffix;
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
      const plan = planner.plan(state);
      const events: EventInput[] = [];
      for (const { namespace, function: name, revision, count, causeOffset, cause } of plan.create) {
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
        events.push({
          type: 'PodDeletionRequested',
          data: { namespace: pod.metadata.namespace, name: pod.metadata.name, reason },
          expect: Number(pod.metadata.resourceVersion),
        });
      }
      return events;
    },
  });
  return {
    poke: () => loop.poke(),
    async stop() {
      unsubscribe();
      await loop.stop();
    },
  };
}
