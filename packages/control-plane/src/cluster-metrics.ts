import { metrics } from '@opentelemetry/api';
import type { ClusterState } from '@tide/core';

/**
 * Gauges of cluster state for Prometheus: pods by phase, desired and ready replicas, per function. Each
 * scrape observes only what the state holds now, so a function scaled to zero or deleted has no
 * series left (the exporter drops series a callback no longer observes: see @tide/telemetry).
 */
export function observeClusterMetrics(store: { state(): ClusterState }): void {
  const meter = metrics.getMeter('tide-control-plane');
  meter.createObservableGauge('tide_pods', { description: 'Pods in the log, by function and phase' }).addCallback((result) => {
    const counts = new Map<string, { namespace: string; function: string; phase: string; n: number }>();
    for (const pod of store.state().pods.values()) {
      const key = `${pod.metadata.namespace}/${pod.spec.function}/${pod.status.phase}`;
      const entry = counts.get(key) ?? { namespace: pod.metadata.namespace, function: pod.spec.function, phase: pod.status.phase, n: 0 };
      entry.n++;
      counts.set(key, entry);
    }
    for (const { n, ...attributes } of counts.values()) result.observe(n, attributes);
  });
  meter.createObservableGauge('tide_desired_replicas', { description: 'Replicas the autoscaler wants, by function' }).addCallback((result) => {
    for (const fn of store.state().functions.values())
      result.observe(fn.status.desiredReplicas, { namespace: fn.metadata.namespace!, function: fn.metadata.name });
  });
  // Beside tide_desired_replicas, series for series: a function with none ready reports 0, so
  // `desired - ready` shows a function waiting for pods without a PromQL `or` over tide_pods.
  meter.createObservableGauge('tide_ready_replicas', { description: 'Pods of a function that are Ready (serve calls), by function' }).addCallback((result) => {
    const state = store.state();
    const ready = new Map<string, number>();
    for (const pod of state.pods.values())
      if (pod.status.phase === 'Ready')
        ready.set(`${pod.metadata.namespace}/${pod.spec.function}`, (ready.get(`${pod.metadata.namespace}/${pod.spec.function}`) ?? 0) + 1);
    for (const fn of state.functions.values())
      result.observe(ready.get(`${fn.metadata.namespace}/${fn.metadata.name}`) ?? 0, { namespace: fn.metadata.namespace!, function: fn.metadata.name });
  });
}
