/**
 * The triggers process of the acceptance test, bundled by esbuild and run with plain node so the
 * test can kill -9 it:
 *
 *   node engine-child.mjs <config json>
 *
 * Opens the embedded log in `dir` (the platform log: state, tide.triggers, tide.metrics), applies
 * the function and trigger on first start, runs startKafkaTriggers on the bus the config names
 * (the log-backed bus, or Kafka through @tide/topics), and calls the function server over HTTP.
 * Prints "ready", then "caught-up" once every partition's committed position reached its end;
 * on SIGTERM stops gracefully and prints "stopped <counters json>".
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { openStateStore, systemClock, type TriggerSpec } from '@tide/core';
import { functionManifest, newestRules, triggerManifest } from '@tide/core/testing';
import { openEmbeddedLog } from '@tide/log';
import { busPartitionTopic, openKafkaTopicBus, openLogTopicBus, platformTopic, type TopicBus } from '@tide/topics';
import { Kafka, logLevel } from 'kafkajs';
import type { z } from 'zod';
import type { Dispatcher } from '../../dispatcher.js';
import { kafkaTriggersEngine } from '../start-kafka-triggers.js';

export interface EngineChildConfig {
  dir: string;
  functionUrl: string;
  trigger: z.input<typeof TriggerSpec>;
  partitions: number;
  /** Absent: the log-backed bus on the embedded log. */
  kafkaBrokers?: string[];
}

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const config = JSON.parse(process.argv[2] ?? '{}') as EngineChildConfig;
const topic = platformTopic('default', 'orders');
const group = 'tide-trigger.default.orders';
let kafkaCommitted: ((partition: number) => Promise<number | undefined>) | undefined;
const log = await openEmbeddedLog(config.dir, { fsync: false });
const store = await openStateStore({ log });
if (!store.state().triggers.has('default/orders')) {
  const fresh = store.state().rulesVersion < 3 ? newestRules() : [];
  await store.append([
    ...fresh,
    { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
    { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('orders') } },
    { type: 'TriggerApplied', data: { namespace: 'default', manifest: triggerManifest('orders', config.trigger) } },
  ]);
}
const bus: TopicBus = config.kafkaBrokers ? await openKafkaBus(config.kafkaBrokers) : openLogTopicBus(log, { partitions: config.partitions });

const dispatcher: Dispatcher = {
  async deliver(d) {
    const headers: Record<string, string> = { ...d.headers, ...(d.kind === 'http' ? {} : { 'tide-invoke': d.kind }) };
    const response = await fetch(`${config.functionUrl}${d.path ?? '/'}`, {
      method: d.method ?? 'POST',
      headers,
      body: d.body,
      ...(d.signal ? { signal: d.signal } : {}),
    });
    const body = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, headers: Object.fromEntries(response.headers), body, noHandler: response.status === 501 && d.kind !== 'http' };
  },
};

const reader = new CollectingReader();
const meter = new MeterProvider({ readers: [reader] }).getMeter('engine-child');
const engine = await kafkaTriggersEngine({ drainMs: 5000 })({
  store,
  log,
  bus,
  openExternalBus: () => Promise.reject(new Error('no external bus')),
  dispatcher,
  clock: systemClock,
  meter,
  identity: `engine-child-${process.pid}`,
  report: (line) => process.stdout.write(`report ${line}\n`),
  onError: (error) => process.stderr.write(`error ${error.message}\n`),
});
process.stdout.write('ready\n');

let caughtUp = false;
const watch = setInterval(() => {
  void (async () => {
    if (caughtUp) return;
    const infos = await bus.describe(topic);
    const positions = await Promise.all(infos.map((p) => committedOf(p.partition)));
    if (infos.every((p, i) => p.endOffset > 0 && positions[i] === p.endOffset)) {
      caughtUp = true;
      process.stdout.write('caught-up\n');
    }
  })().catch((e: unknown) => process.stderr.write(`watch ${String(e)}\n`));
}, 100);

async function committedOf(partition: number): Promise<number | undefined> {
  return config.kafkaBrokers ? kafkaCommitted!(partition) : log.committedOffset(group, busPartitionTopic(topic, partition));
}

/** The bus on the mock cluster, with a short session so a killed member's partitions move on soon. */
async function openKafkaBus(brokers: string[]): Promise<TopicBus> {
  const admin = new Kafka({ brokers, clientId: 'engine-child-watch', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  kafkaCommitted = async (partition) => {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const at = offsets?.partitions.find((p) => p.partition === partition)?.offset;
    return at === undefined || at === '-1' ? undefined : Number(at);
  };
  return openKafkaTopicBus({ brokers, sessionTimeoutMs: 6000, heartbeatMs: 500, onError: (e) => process.stderr.write(`bus ${e.message}\n`) });
}

process.on('SIGTERM', () => {
  clearInterval(watch);
  void (async () => {
    await engine.stop();
    const { resourceMetrics } = await reader.collect();
    const counters: Record<string, number> = {};
    for (const m of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)) {
      const points = m.dataPoints as { value: unknown }[];
      counters[m.descriptor.name] = points.reduce((s, p) => s + (typeof p.value === 'number' ? p.value : 0), 0);
    }
    await bus.close();
    await store.close();
    await log.close();
    process.stdout.write(`stopped ${JSON.stringify(counters)}\n`);
    process.exit(0);
  })();
});
