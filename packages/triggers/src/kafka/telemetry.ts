/**
 * The Kafka triggers' instruments and span names. Counters are named without `_total`: the
 * Prometheus exporter adds it (`tide_trigger_deliveries` is served as `tide_trigger_deliveries_total`).
 */
import { trace, type Attributes, type Meter } from '@opentelemetry/api';

/** Resolved through the global proxy provider, so an SDK registered later still applies. */
export const tracer = trace.getTracer('tide-triggers');

export type DeliveryOutcome = 'succeeded' | 'retried' | 'dead-lettered' | 'dropped';

export interface TriggerMetrics {
  delivered(labels: TriggerLabels, outcome: DeliveryOutcome, records: number): void;
  retried(labels: TriggerLabels, records: number): void;
  deadLettered(labels: TriggerLabels, dropped: boolean): void;
  duplicateSuppressed(labels: TriggerLabels): void;
  callSeconds(labels: TriggerLabels, seconds: number): void;
  /** The lag last measured, served by the `tide_trigger_lag` gauge. */
  setLag(lags: readonly { labels: TriggerLabels; topic: string; lag: number }[]): void;
}

export interface TriggerLabels {
  namespace: string;
  trigger: string;
}

export function createTriggerMetrics(meter: Meter): TriggerMetrics {
  const deliveries = meter.createCounter('tide_trigger_deliveries', { description: 'Records delivered by Kafka triggers, by outcome' });
  const retries = meter.createCounter('tide_trigger_retries', { description: 'Records of Kafka triggers scheduled for another attempt' });
  const deadLetters = meter.createCounter('tide_trigger_dead_letters', {
    description: 'Records given up after maxRetries or a 4xx (dropped: no deadLetterTopic)',
  });
  const duplicates = meter.createCounter('tide_trigger_duplicates_suppressed', {
    description: 'Records read again after a rebalance or restart but not delivered again: the journal said they were done',
  });
  const duration = meter.createHistogram('tide_trigger_delivery_duration_seconds', {
    description: 'Calls of Kafka triggers, from dispatch to answer',
    unit: 's',
  });
  let lags: readonly { labels: TriggerLabels; topic: string; lag: number }[] = [];
  meter
    .createObservableGauge('tide_trigger_lag', { description: 'Records of a trigger not yet done: end offsets minus committed positions' })
    .addCallback((result) => {
      for (const l of lags) result.observe(l.lag, { ...l.labels, topic: l.topic });
    });
  const attrs = (l: TriggerLabels, extra: Attributes = {}): Attributes => ({ namespace: l.namespace, trigger: l.trigger, ...extra });
  return {
    delivered: (l, outcome, n) => deliveries.add(n, attrs(l, { outcome })),
    retried: (l, n) => retries.add(n, attrs(l)),
    deadLettered: (l, dropped) => deadLetters.add(1, attrs(l, { dropped: String(dropped) })),
    duplicateSuppressed: (l) => duplicates.add(1, attrs(l)),
    callSeconds: (l, s) => duration.record(s, attrs(l)),
    setLag: (next) => {
      lags = next;
    },
  };
}
