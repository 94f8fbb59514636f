import { metrics, type Counter } from '@opentelemetry/api';

/** The meter of @tide/core's shells; instruments are made when a shell starts, so a provider set by then applies. */
const METER = 'tide-core';

/** Events a reconcile loop proposed that the fold rejected, by loop and rejection code (Prometheus: `_total`). */
export const RECONCILE_REJECTED = 'tide_reconcile_rejected';

export function reconcileRejectedCounter(): Counter<{ loop: string; code: string }> {
  return metrics
    .getMeter(METER)
    .createCounter(RECONCILE_REJECTED, { description: 'Events a reconcile loop proposed that the fold rejected, by loop and code' });
}
