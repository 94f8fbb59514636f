/**
 * Every interval: each running trigger's lag, served by the `tide_trigger_lag` gauge and published
 * as a TriggerLagReport on tide.metrics while any trigger lags (and once more when it is back to 0),
 * the input of scaling on lag. Returns the stop.
 */
import { encodeMetricsReport, METRICS_TOPIC, type TriggerLagReport } from '@tide/core';
import type { EngineDeps } from '../engine.js';
import { lagSample, samplesToReport } from './core/lag-samples.js';
import type { TriggerMetrics } from './telemetry.js';
import type { TriggerConsumer } from './trigger-consumer.js';

export function startLagReports(
  deps: EngineDeps,
  consumers: () => readonly TriggerConsumer[],
  metrics: TriggerMetrics,
  intervalMs: number,
): () => Promise<void> {
  let lagging = new Set<string>();
  let timer: unknown;
  let stopped = false;
  let ticking: Promise<void> | undefined;
  const tick = async () => {
    const lags: Parameters<typeof metrics.setLag>[0][number][] = [];
    const samples = [];
    for (const consumer of consumers()) {
      try {
        const topics = await consumer.lag();
        let lag = 0;
        let partitions = 0;
        let keys = 0;
        for (const t of topics) {
          lags.push({ labels: consumer.labels, topic: t.topic, lag: t.lag });
          lag += t.lag;
          partitions += t.partitions;
          keys += t.keys;
        }
        samples.push(lagSample({ ...consumer.labels, function: consumer.function, ordering: consumer.ordering, lag, partitions, keys }));
      } catch (error) {
        deps.onError(new Error(`trigger ${consumer.labels.namespace}/${consumer.labels.trigger}: could not measure lag: ${String(error)}`, { cause: error }));
      }
    }
    metrics.setLag(lags);
    const next = samplesToReport(samples, lagging);
    lagging = next.lagging;
    if (next.report.length === 0) return;
    const report: TriggerLagReport = { kind: 'trigger-lag', source: deps.identity, at: deps.clock.now(), intervalMs, samples: next.report };
    await deps.log.append(METRICS_TOPIC, [{ value: encodeMetricsReport(report) }]);
  };
  const schedule = () => {
    if (stopped) return;
    timer = deps.clock.setTimeout(() => {
      ticking = tick()
        .catch((error: unknown) => deps.onError(new Error(`could not publish trigger lag: ${String(error)}`, { cause: error })))
        .finally(schedule);
    }, intervalMs);
  };
  schedule();
  // Resolves once a report being measured or written is done, so the log can be closed after stop.
  return async () => {
    stopped = true;
    deps.clock.clearTimeout(timer);
    await ticking;
  };
}
