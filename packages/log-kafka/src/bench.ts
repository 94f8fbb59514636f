/**
 * Kafka figures for the top-level bench script (run against any brokers, e.g. the kcat mock):
 * - benchKafkaAppends: events/s through kafkajs with acks -1, one append awaited at a time
 *   (single) and many appenders at once (batched: group commit turns them into few sends);
 * - benchAcceptedToApplied: one store appends commands and waits for its verdict (as an API
 *   server does); N other stores, each on its own KafkaLog (as other processes), fold them.
 *   Reports append → accepted (writer) and append → applied (each other store), p50/p99.
 *   The caller passes @tide/core's openStateStore and a command: this adapter does not depend on
 *   the domain.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { logLevel } from 'kafkajs';
import { benchAcceptedToApplied as benchAcceptedToAppliedOn } from '@tide/log';
import { openKafkaLog, type KafkaLog } from './kafka-log.js';

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface KafkaAppendRun {
  records: number;
  appenders: number;
  seconds: number;
  eventsPerSecond: number;
  sends: number;
  meanRecordsPerSend: number;
  appendLatencyMs: Percentiles;
}

export interface KafkaAppendBench {
  single: KafkaAppendRun;
  batched: KafkaAppendRun;
}

export interface KafkaAppendBenchOptions {
  records: number;
  /** Concurrent appenders in the batched run (default 64). */
  appenders?: number;
  valueBytes?: number;
}

export async function benchKafkaAppends(brokers: string[], options: KafkaAppendBenchOptions): Promise<KafkaAppendBench> {
  const single = await appendRun(brokers, options.records, 1, options.valueBytes ?? 200);
  const batched = await appendRun(brokers, options.records, options.appenders ?? 64, options.valueBytes ?? 200);
  return { single, batched };
}

async function appendRun(brokers: string[], records: number, appenders: number, valueBytes: number): Promise<KafkaAppendRun> {
  const log = await openKafkaLog({ brokers, logLevel: logLevel.ERROR, clientId: 'tide-bench' });
  const topic = `bench.kafka.${randomUUID().slice(0, 8)}`;
  const value = new Uint8Array(valueBytes).fill(0x61);
  const latencies: number[] = [];
  let issued = 0;
  const appender = async (): Promise<void> => {
    while (issued < records) {
      const i = issued++;
      const started = performance.now();
      await log.append(topic, [{ value, key: `k${i % 64}` }]);
      latencies.push(performance.now() - started);
    }
  };
  try {
    await log.append(topic, [{ value }]); // topic creation and connections are not the figure
    const before = log.stats();
    const started = performance.now();
    await Promise.all(Array.from({ length: Math.min(appenders, records) }, appender));
    const seconds = (performance.now() - started) / 1000;
    const sends = log.stats().sends - before.sends;
    return {
      records,
      appenders,
      seconds,
      eventsPerSecond: records / seconds,
      sends,
      meanRecordsPerSend: sends === 0 ? 0 : records / sends,
      appendLatencyMs: percentiles(latencies),
    };
  } finally {
    await log.close();
  }
}

/** The slice of @tide/core's StateStore the bench drives. */
export interface BenchStateStore {
  append(events: readonly BenchCommand[]): Promise<{ offset: number }[]>;
  waitFor(offset: number): Promise<unknown>;
  subscribe(listener: (event: unknown, verdict: unknown, state: { offset: number }) => void): () => void;
  close(): Promise<void>;
}

export interface BenchCommand {
  type: string;
  data: unknown;
  expect?: number | null;
}

export interface AcceptedToAppliedOptions {
  /** @tide/core's openStateStore. */
  openStateStore: (options: { log: KafkaLog; topic: string }) => Promise<BenchStateStore>;
  /** The i-th command, e.g. a NamespaceApplied of a new name (each must be accepted). */
  command: (i: number) => BenchCommand;
  /** Commands appended one after another (default 100). */
  commands?: number;
  /** Other stores folding the stream (default 3). */
  followers?: number;
  /** Passed to every KafkaLog (default: the adapter's). */
  fetchMaxWaitMs?: number;
}

export interface AcceptedToAppliedBench {
  commands: number;
  followers: number;
  /** The writer's append → its own fold's verdict (what an API client waits for). */
  acceptedMs: Percentiles;
  /** Append → folded by another store, over every (command, follower) pair. */
  appliedMs: Percentiles;
}

export async function benchAcceptedToApplied(brokers: string[], options: AcceptedToAppliedOptions): Promise<AcceptedToAppliedBench> {
  return benchAcceptedToAppliedOn({
    openLog: () =>
      openKafkaLog({
        brokers,
        logLevel: logLevel.ERROR,
        clientId: 'tide-bench',
        ...(options.fetchMaxWaitMs === undefined ? {} : { fetchMaxWaitMs: options.fetchMaxWaitMs }),
      }),
    openStateStore: options.openStateStore as never,
    command: options.command,
    topic: `bench.state.${randomUUID().slice(0, 8)}`,
    ...(options.commands === undefined ? {} : { commands: options.commands }),
    ...(options.followers === undefined ? {} : { followers: options.followers }),
  });
}

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}
