import { metrics } from '@opentelemetry/api';
import { SECONDS_BUCKETS } from '@tide/process';
import type { Pod } from '@tide/core';
import type { PodReport } from './pod-types.js';

/**
 * Cold starts for Prometheus: how many, and how long each took from the agent starting the pod to
 * its first Ready, by function and how it began (`pool`: a warm-pool process claimed, `spawn`).
 */
export function coldStartMetrics(): (pod: Pod, report: PodReport) => void {
  const meter = metrics.getMeter('tide-node');
  const count = meter.createCounter('tide_cold_starts', { description: 'Pods started, by function and how (warm pool or spawn)' });
  const duration = meter.createHistogram('tide_cold_start_duration_seconds', {
    description: 'Time from the node agent starting a pod to its first Ready, by function and how it started',
    unit: 's',
    advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
  });
  return (pod, report) => {
    // Only a start's first Ready carries startMs: a pod Ready again after a failed readiness probe
    // did not start again, and is not counted twice.
    if (report.phase !== 'Ready' || !report.coldStart || report.startMs === undefined) return;
    const attributes = { namespace: pod.metadata.namespace, function: pod.spec.function, kind: report.coldStart };
    count.add(1, attributes);
    duration.record(report.startMs / 1000, attributes);
  };
}
