/**
 * What the engine's tests run it on: a state store and the platform log in memory, a TopicBus
 * (the log-backed one over that log unless given), a Dispatcher that answers with a test's function, and a meter whose
 * counts a test can read. Not exported from the package.
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { openStateStore, systemClock, type EventInput, type StateStore, type TriggerSpec } from '@tide/core';
import { functionManifest, newestRules, triggerManifest } from '@tide/core/testing';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { openLogTopicBus, type TopicBus } from '@tide/topics';
import type { z } from 'zod';
import type { Delivery, DeliveryResult } from '../../dispatcher.js';
import type { Engine, EngineDeps } from '../../engine.js';
import { kafkaTriggersEngine } from '../start-kafka-triggers.js';

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export type FunctionBehaviour = (delivery: Delivery) => Promise<DeliveryResult> | DeliveryResult;

export interface Harness {
  log: MemoryLog;
  store: StateStore;
  bus: TopicBus;
  reports: string[];
  errors: Error[];
  /** Starts an engine (another one after `stop`, as a restarted process). */
  start(): Promise<Engine>;
  /** Applies a function; a changed `spec` (another artifact) makes a new latest revision, as a deploy does. */
  applyFunction(name: string, spec?: Parameters<typeof functionManifest>[1]): Promise<void>;
  applyTrigger(name: string, spec: z.input<typeof TriggerSpec>): Promise<void>;
  deleteTrigger(name: string): Promise<void>;
  /** Sum of a counter's points whose attributes include `attributes`. */
  counted(name: string, attributes?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function openHarness(
  behaviour: FunctionBehaviour,
  options: { bus?: TopicBus; drainMs?: number; externalBus?: TopicBus; openedExternal?: string[][] } = {},
): Promise<Harness> {
  const log = createMemoryLog();
  const store = await openStateStore({ log });
  await store.append([...newestRules(), { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
  // The platform's bus on one machine: the log-backed TopicBus, here over the memory log.
  const bus = options.bus ?? openLogTopicBus(log, { partitions: 4 });
  const reader = new CollectingReader();
  const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
  const reports: string[] = [];
  const errors: Error[] = [];
  const engines: Engine[] = [];
  let started = 0;
  const append = async (events: EventInput[]) => {
    const results = await store.append(events);
    for (const r of results) if (!r.verdict.accepted) throw new Error(`refused: ${JSON.stringify(r.verdict)}`);
  };
  const deps = (): EngineDeps => ({
    store,
    log,
    bus,
    openExternalBus: (brokers) => {
      options.openedExternal?.push([...brokers]);
      return options.externalBus ? Promise.resolve(options.externalBus) : Promise.reject(new Error('no external bus in this test'));
    },
    dispatcher: { deliver: async (d) => behaviour(d) },
    clock: systemClock,
    meter,
    identity: `triggers-${++started}`,
    report: (line) => reports.push(line),
    onError: (error) => errors.push(error),
  });
  return {
    log,
    store,
    bus,
    reports,
    errors,
    async start() {
      const engine = await kafkaTriggersEngine({ drainMs: options.drainMs ?? 5000, lagIntervalMs: 100 })(deps());
      engines.push(engine);
      return engine;
    },
    applyFunction: (name, spec) => append([{ type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest(name, spec) } }]),
    applyTrigger: (name, spec) => append([{ type: 'TriggerApplied', data: { namespace: 'default', manifest: triggerManifest(name, spec) } }]),
    deleteTrigger: (name) => append([{ type: 'TriggerDeleted', data: { namespace: 'default', name } }]),
    async counted(name, attributes = {}) {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
      const points = (metric?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: unknown }[];
      return points.filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v)).reduce((sum, p) => sum + (p.value as number), 0);
    },
    async close() {
      for (const e of engines) await e.stop();
      await bus.close();
      await store.close();
    },
  };
}

export const ok = (body: unknown = ''): DeliveryResult => ({
  status: 200,
  headers: {},
  body: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
  noHandler: false,
});

export const status = (code: number, text = ''): DeliveryResult => ({
  status: code,
  headers: {},
  body: new TextEncoder().encode(text),
  noHandler: code === 501,
});
