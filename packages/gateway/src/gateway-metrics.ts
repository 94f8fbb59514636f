import { SECONDS_BUCKETS } from '@tide/process';
import { metrics, type Counter, type Histogram } from '@opentelemetry/api';
import type { FunctionState } from './function-state.js';

/** The gateway's Prometheus metrics (design §8); instruments come from the provider set at start. */
export class GatewayMetrics {
  readonly #invocations: Counter;
  readonly #duration: Histogram;

  constructor(functions: () => Iterable<FunctionState>) {
    const meter = metrics.getMeter('tide-gateway');
    this.#invocations = meter.createCounter('tide_invocations', { description: 'Calls answered by the gateway, by function, revision and status' });
    this.#duration = meter.createHistogram('tide_invocation_duration_seconds', {
      description: 'Time from a call arriving to its answer ending',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    meter.createObservableGauge('tide_gateway_queue_depth', { description: 'Calls waiting for a pod, by function' }).addCallback((result) => {
      // A function has a waiting line per revision route (two while a rollout or a split runs):
      // observed one by one under the same attributes, the last would hide the others.
      const waiting = new Map<string, { namespace: string; function: string; n: number }>();
      for (const fn of functions()) {
        const key = `${fn.namespace}/${fn.name}`;
        const entry = waiting.get(key) ?? { namespace: fn.namespace, function: fn.name, n: 0 };
        entry.n += fn.waiting.length;
        waiting.set(key, entry);
      }
      for (const { n, ...attributes } of waiting.values()) result.observe(n, attributes);
    });
  }

  record(fn: FunctionState, status: number | undefined, seconds: number): void {
    // One attributes object per revision's route and status, kept on its state: nothing built per call.
    // A route that names no revision (a route table fed by hand) counts under revision "".
    const code = status ?? 0;
    let attributes = fn.metricAttributes.get(code);
    if (!attributes)
      fn.metricAttributes.set(
        code,
        (attributes = {
          namespace: fn.namespace,
          function: fn.name,
          revision: fn.route.revision ?? '',
          status: status === undefined ? 'none' : String(status),
        }),
      );
    this.#invocations.add(1, attributes);
    this.#duration.record(seconds, attributes);
  }
}
