import { metrics, type ObservableCallback } from '@opentelemetry/api';
import { STATE_TOPIC, type StateStore } from '@tide/core';
import type { EventLog } from '@tide/log';

/**
 * The process's lag behind the state log for Prometheus (tide_log_consumer_lag_records): records
 * appended to tide.state that its fold has not reached yet. Every component folds the log itself,
 * so each process reports its own (Prometheus's job tells them apart); a gateway that lags routes
 * to pods that are gone. Asked at each scrape: a log that does not answer reports no value, not a
 * stale one. Returns what stops observing (when the state closes).
 */
export function observeConsumerLag(log: Pick<EventLog, 'endOffset'>, store: Pick<StateStore, 'state'>): () => void {
  const gauge = metrics
    .getMeter('tide-log')
    .createObservableGauge('tide_log_consumer_lag_records', { description: "Records of the state log this process's fold has not reached yet" });
  const observe: ObservableCallback = async (result) => {
    const end = await log.endOffset(STATE_TOPIC).catch(() => undefined);
    // offset is the last record folded (-1 before the first): end 10, folded 7 → 2 to go (8 and 9).
    if (end !== undefined) result.observe(Math.max(0, end - store.state().offset - 1), { topic: STATE_TOPIC });
  };
  gauge.addCallback(observe);
  return () => gauge.removeCallback(observe);
}
