import { metrics } from '@opentelemetry/api';
import type { Assignment } from './core/assign.js';

/** Finer than the call buckets: a pass over a few pending pods takes tens of microseconds. */
const DECISION_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * Times the scheduler's decisions for Prometheus (tide_scheduler_decision_duration_seconds): one
 * observation per pass that had pending pods to place, bound or not; passes with none are not
 * decisions and would drown the histogram in zeros. The scheduler loop's passes and the bindings a
 * leader plans ahead of the log (a deploy's or a wake's pods, bound in the append that creates
 * them: bindingEventsFor) are both decisions.
 */
export function timedDecisions(): (decide: () => Assignment) => Assignment {
  const histogram = metrics.getMeter('tide-scheduler').createHistogram('tide_scheduler_decision_duration_seconds', {
    description: 'Time the scheduler took to place the pending pods of one pass (filter and score over the nodes)',
    unit: 's',
    advice: { explicitBucketBoundaries: DECISION_BUCKETS },
  });
  return (decide) => {
    const started = performance.now();
    const assignment = decide();
    if (assignment.bindings.length + assignment.unschedulable.length > 0) histogram.record((performance.now() - started) / 1000);
    return assignment;
  };
}
