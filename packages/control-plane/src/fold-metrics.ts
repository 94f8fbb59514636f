import { metrics } from '@opentelemetry/api';
import type { StateStore } from '@tide/core';

/**
 * Counts the events the fold rejects, by event type and rejection code (conflict, forbidden, ...):
 * a rising count is a writer acting on stale state or beyond its rights. Every process folds the
 * same log to the same verdicts, so only the control plane counts them, once per cluster member.
 * A record that is no valid event counts under type "undecodable". Returns the unsubscribe.
 */
export function countFoldRejections(store: Pick<StateStore, 'subscribe'>): () => void {
  const rejections = metrics
    .getMeter('tide-control-plane')
    .createCounter('tide_fold_rejected_events', { description: 'Events the fold rejected, by event type and reason (rejection code)' });
  return store.subscribe((event, verdict) => {
    if (!verdict.accepted) rejections.add(1, { type: event?.type ?? 'undecodable', reason: verdict.code });
  });
}
