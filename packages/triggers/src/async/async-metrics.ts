import type { Meter } from '@opentelemetry/api';

/**
 * The async worker's instruments, beside the Kafka triggers' (trigger `async`): attempts
 * delivered, retries scheduled, calls dead-lettered, and calls ended by outcome.
 */
export interface AsyncMetrics {
  delivered(namespace: string, fn: string): void;
  retried(namespace: string, fn: string): void;
  deadLettered(namespace: string, fn: string): void;
  ended(namespace: string, fn: string, status: string): void;
}

export function asyncMetrics(meter: Meter): AsyncMetrics {
  const deliveries = meter.createCounter('tide_trigger_deliveries', { description: 'Deliveries to functions by trigger (async: attempts of async calls)' });
  const retries = meter.createCounter('tide_trigger_retries', { description: 'Deliveries retried by trigger' });
  const deadLetters = meter.createCounter('tide_trigger_dead_letters', { description: 'Records or calls dead-lettered by trigger' });
  const activations = meter.createCounter('tide_async_activations', { description: 'Async calls ended, by function and status' });
  const attrs = (namespace: string, fn: string) => ({ namespace, function: fn, trigger: 'async' });
  return {
    delivered: (namespace, fn) => deliveries.add(1, attrs(namespace, fn)),
    retried: (namespace, fn) => retries.add(1, attrs(namespace, fn)),
    deadLettered: (namespace, fn) => deadLetters.add(1, attrs(namespace, fn)),
    ended: (namespace, fn, status) => activations.add(1, { namespace, function: fn, status }),
  };
}
