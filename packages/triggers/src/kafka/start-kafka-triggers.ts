/**
 * `startKafkaTriggers`: follows the store's Kafka triggers and runs one TriggerConsumer per
 * trigger whose function exists — restarted when its spec changes, stopped when it is deleted —
 * and publishes their lag (the `tide_trigger_lag` gauge and TriggerLagReports on tide.metrics).
 */
import type { ClusterState, Trigger } from '@tide/core';
import type { TopicBus } from '@tide/topics';
import type { Engine, EngineDeps, StartEngine } from '../engine.js';
import { startLagReports } from './lag-reports.js';
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
  const stopLag = startLagReports(deps, () => [...running.values()].map((r) => r.consumer), metrics, lagIntervalMs);

  return {
    async stop() {
      stopped = true;
      unsubscribe();
      await stopLag();
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
