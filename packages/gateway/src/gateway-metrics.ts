import { SECONDS_BUCKETS } from '@tide/process';
import { seriesHistogram, type HistogramSeries, type SeriesHistogram } from '@tide/telemetry';
import { type Attributes, metrics } from '@opentelemetry/api';
import type { FunctionState } from './function-state.js';

/** The gateway's Prometheus metrics (design §8); instruments come from the provider set at start. */
export class GatewayMetrics {
  /** Calls answered per attribute set (keyed by its values), observed at each collection (see `record`). */
  readonly #invocations = new Map<string, InvocationCount>();
  readonly #duration: SeriesHistogram;

  constructor(functions: () => Iterable<FunctionState>) {
    const meter = metrics.getMeter('tide-gateway');
    meter
      .createObservableCounter('tide_invocations', { description: 'Calls answered by the gateway, by function, revision and status' })
      .addCallback((result) => {
        for (const count of this.#invocations.values()) result.observe(count.n, count.attributes);
      });
    // Bound per attribute set (see seriesHistogram): the SDK's histogram hashed them on every call.
    this.#duration = seriesHistogram('tide_invocation_duration_seconds', {
      scope: 'tide-gateway',
      description: 'Time from a call arriving to its answer ending',
      unit: 's',
      boundaries: SECONDS_BUCKETS,
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
    let entry = fn.metricAttributes.get(code);
    if (!entry) {
      const attributes = {
        namespace: fn.namespace,
        function: fn.name,
        revision: fn.route.revision ?? '',
        status: status === undefined ? 'none' : String(status),
      };
      // Counted here and observed at collection: a synchronous counter hashed the attributes on
      // every call (~1.5 % of the gateway's CPU). Kept after the function goes, as a counter's
      // series would be, so a deleted function's total does not restart from 0.
      const key = `${attributes.namespace}\0${attributes.function}\0${attributes.revision}\0${attributes.status}`;
      entry = this.#invocations.get(key);
      if (!entry) this.#invocations.set(key, (entry = { attributes, n: 0, duration: this.#duration.series(attributes) }));
      fn.metricAttributes.set(code, entry);
    }
    entry.n += 1;
    entry.duration.record(seconds);
  }
}

/** One series of tide_invocations_total: its attributes and the calls counted under them. */
export interface InvocationCount {
  readonly attributes: Attributes;
  n: number;
  /** tide_invocation_duration_seconds under the same attributes. */
  readonly duration: HistogramSeries;
}
