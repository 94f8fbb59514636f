/**
 * `startKafkaTriggers`: follows the store's Kafka triggers and runs one TriggerConsumer per
 * trigger whose function exists — restarted when its spec changes, stopped when it is deleted —
 * and publishes their lag (the `tide_trigger_lag` gauge and TriggerLagReports on tide.metrics).
 */
import { encodeMetricsReport, METRICS_TOPIC, type ClusterState, type Trigger, type TriggerLagReport } from '@tide/core';
import type { TopicBus } from '@tide/topics';
import type { Engine, EngineDeps, StartEngine } from '../engine.js';
import { lagSample, samplesToReport } from './core/lag-samples.js';
import { openRetryJournal } from './retry-journal.js';
import { createTriggerMetrics } from './telemetry.js';
import { TriggerConsumer } from './trigger-consumer.js';

export interface KafkaTriggerOptions {
  /** How long a stop or revoke waits for calls in flight before aborting them (default 30 s). */
  drainMs?: number;
  /** Interval of lag reports (default 1 s). */
  lagIntervalMs?: number;
}

interface Running {
  signature: string;
  consumer: TriggerConsumer;
}

export function kafkaTriggersEngine(options: KafkaTriggerOptions = {}): StartEngine {
  return (deps) => startEngine(deps, options);
}

export const startKafkaTriggers: StartEngine = (deps) => startEngine(deps, {});

async function startEngine(deps: EngineDeps, options: KafkaTriggerOptions): Promise<Engine> {
  const drainMs = options.drainMs ?? 30_000;
  const lagIntervalMs = options.lagIntervalMs ?? 1000;
  const metrics = createTriggerMetrics(deps.meter);
  const journal = openRetryJournal(deps.log);
  const running = new Map<string, Running>();
  const waitingFor = new Set<string>();
  const externalBuses = new Map<string, Promise<TopicBus>>();
  let stopped = false;
  let reconciling: Promise<void> | undefined;
  let again = false;
  let retryTimer: unknown;

  const busFor = (trigger: Trigger): Promise<TopicBus> => {
    const brokers = trigger.spec.kafka!.brokers;
    if (!brokers) return Promise.resolve(deps.bus);
    const key = [...brokers].sort().join(',');
    let bus = externalBuses.get(key);
    if (!bus) {
      bus = deps.openExternalBus(brokers);
      externalBuses.set(key, bus);
      bus.catch(() => externalBuses.delete(key));
    }
    return bus;
  };

  const reconcileOnce = async (state: ClusterState): Promise<void> => {
    const desired = desiredTriggers(state, (key, fn) => {
      if (waitingFor.has(key)) return;
      waitingFor.add(key);
      deps.report(`trigger ${key}: waiting for function ${fn} to exist`);
    });
    for (const [key, run] of running) {
      const want = desired.get(key);
      if (want && signatureOf(want) === run.signature) continue;
      running.delete(key);
      await run.consumer.stop().catch((e: unknown) => deps.onError(new Error(`trigger ${key}: stopping failed: ${String(e)}`, { cause: e })));
    }
    let failed = false;
    for (const [key, trigger] of desired) {
      if (running.has(key) || stopped) continue;
      waitingFor.delete(key);
      try {
        const consumer = new TriggerConsumer(trigger, { deps, bus: await busFor(trigger), journal, metrics, drainMs });
        await consumer.start();
        running.set(key, { signature: signatureOf(trigger), consumer });
      } catch (error) {
        failed = true;
        deps.onError(new Error(`trigger ${key}: could not start consuming ${trigger.spec.kafka!.topics.join(', ')}: ${String(error)}`, { cause: error }));
      }
    }
    if (failed && !stopped) retryTimer = deps.clock.setTimeout(reconcile, 1000);
  };

  function reconcile(): void {
    if (stopped) return;
    if (reconciling) {
      again = true;
      return;
    }
    reconciling = reconcileOnce(deps.store.state()).finally(() => {
      reconciling = undefined;
      if (again) {
        again = false;
        reconcile();
      }
    });
  }

  const unsubscribe = deps.store.subscribe(() => reconcile());
  reconcile();
  const stopLag = startLagReports(deps, running, metrics, lagIntervalMs);

  return {
    async stop() {
      stopped = true;
      unsubscribe();
      stopLag();
      deps.clock.clearTimeout(retryTimer);
      await reconciling;
      await Promise.all([...running.values()].map((r) => r.consumer.stop().catch((e: unknown) => deps.onError(e instanceof Error ? e : new Error(String(e))))));
      running.clear();
      for (const bus of externalBuses.values()) await (await bus.catch(() => undefined))?.close();
    },
  };
}

/** Kafka triggers whose function exists, by `ns/name`; `waiting` is told of the others. */
function desiredTriggers(state: ClusterState, waiting: (key: string, fn: string) => void): Map<string, Trigger> {
  const desired = new Map<string, Trigger>();
  for (const [key, trigger] of state.triggers) {
    if (!trigger.spec.kafka) continue;
    if (!state.functions.has(`${trigger.metadata.namespace}/${trigger.spec.function}`)) {
      waiting(key, trigger.spec.function);
      continue;
    }
    desired.set(key, trigger);
  }
  return desired;
}

/** What, changed, restarts a trigger's consumer: its spec, or a new trigger under the same name. */
function signatureOf(trigger: Trigger): string {
  return JSON.stringify({ uid: trigger.metadata.uid, fn: trigger.spec.function, delivery: trigger.spec.delivery, kafka: trigger.spec.kafka });
}

function startLagReports(deps: EngineDeps, running: ReadonlyMap<string, Running>, metrics: ReturnType<typeof createTriggerMetrics>, intervalMs: number): () => void {
  let lagging = new Set<string>();
  let timer: unknown;
  let stopped = false;
  const tick = async () => {
    const lags: Parameters<typeof metrics.setLag>[0][number][] = [];
    const samples = [];
    for (const { consumer } of running.values()) {
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
      tick()
        .catch((error: unknown) => deps.onError(new Error(`could not publish trigger lag: ${String(error)}`, { cause: error })))
        .finally(schedule);
    }, intervalMs);
  };
  schedule();
  return () => {
    stopped = true;
    deps.clock.clearTimeout(timer);
  };
}
