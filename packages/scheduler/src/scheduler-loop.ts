import { startReconcileLoop, type EventInput, type Pod, type ReconcileLoop, type StateStore } from '@tide/core';
import { schedule } from './core/schedule.js';

/** Binds pending pods to nodes, one PodBound event each, conditional on the pod being unchanged. */
export function startScheduler(store: StateStore, options: { onUnschedulable?: (pod: Pod, reasons: string[]) => void; onError?: (e: Error) => void } = {}): ReconcileLoop {
  const reported = new Set<string>();
  return startReconcileLoop(store, {
    name: 'scheduler',
    ...(options.onError ? { onError: options.onError } : {}),
    reconcile(state) {
      const nodes = [...state.nodes.values()];
      const pods = [...state.pods.values()];
      const bound = pods.filter((p) => p.spec.node);
      const events: EventInput[] = [];
      for (const pod of pods) {
        if (pod.status.phase !== 'Pending') continue;
        const result = schedule(pod, nodes, bound);
        if (result.node === undefined) {
          const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
          if (!reported.has(key)) options.onUnschedulable?.(pod, result.reasons);
          reported.add(key);
          continue;
        }
        bound.push({ ...pod, spec: { ...pod.spec, node: result.node } });
        events.push({
          type: 'PodBound',
          data: { namespace: pod.metadata.namespace, name: pod.metadata.name, node: result.node },
          expect: Number(pod.metadata.resourceVersion),
        });
      }
      return events;
    },
  });
}
