import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { kcatAvailable, startMockKafka } from '@tide/log-kafka/testing';
import { stopTide } from '../support/tide-process.js';
import { summarize, type LatencySummary } from './stats.js';
import type { StopList } from './stop-list.js';
import type { TempDirs } from './temp-dirs.js';
import { startCollector, TRIGGER_PROBE_MODULE, type Collector, type ProbeReport } from './trigger-probe.js';
import { startTriggerTide, triggerTideLaunch, type TriggerTideLaunch } from './trigger-tide.js';
import { applyFunction, applyKafkaTrigger, listPods, publishRecords, UNTHROTTLED, uploadArtifact } from './tide-api.js';

export const TRIGGERS_BENCH = {
  /** Record produced → function invoked: records published one at a time, at a steady rate. */
  latencyRecords: 200,
  latencyPerSecond: 50,
  latencyKeys: 100,
  latencyBatchSize: 10,
  /** After the first delivery, records at the same rate for this long, not counted: a group that just joined settles (Kafka: seconds of extra delay). */
  latencyWarmupMs: 3_000,
  /** Trigger throughput: records published before the trigger exists, then drained from the earliest offset. */
  throughputRecords: 20_000,
  /**
   * The mock cluster keeps at most 5 MiB per partition (librdkafka's mock drops its oldest 1 MiB
   * segments beyond that: 20 000 records of 1 KB over 4 partitions lost their first ~1 200 there
   * before the trigger existed). 12 000 stay under it, even on the fullest partition (~28 % of keys).
   */
  throughputRecordsOnMock: 12_000,
  recordBytes: 1024,
  throughputBatchSize: 100,
  throughputKeys: 1_000,
  /**
   * Calls in flight per partition (spec.kafka.maxInFlight), one drain each on a topic of its own:
   * the default 16, and 2. With many calls in flight the engine splits what has arrived among them
   * (on the embedded log ~15 records per call at 16, ~95 at 2), so this decides the calls per record.
   */
  throughputMaxInFlight: [16, 2],
  /** Records per POST of the records API: 500 of 1 KB stay well under its 1 MiB body limit (1 000 is its most). */
  publishChunk: 500,
  startTimeoutMs: 90_000,
  /** Bounds the wait for a trigger's first delivery (a consumer group joining) and for every record to arrive. */
  deliveryTimeoutMs: 90_000,
};

const FUNCTION = 'trigger-probe';
const epochNow = () => performance.timeOrigin + performance.now();

export interface TriggerLatency {
  records: number;
  /** Publish request sent (the producer's clock) → the probe's queue handler entered. */
  invokedMs: LatencySummary;
  /** Publish request sent → the records API answered (the record is durable on the bus). */
  publishAckMs: LatencySummary;
  /** The record's timestamp (whole ms, set as the bus took it) → the queue handler entered: the consuming half alone. */
  stampedToInvokedMs: LatencySummary;
  /** Records reported more than once (a duplicate delivery), goal 0. */
  duplicates: number;
  meanBatch: number;
}

export interface TriggerThroughput {
  maxInFlight: number;
  records: number;
  valueBytes: number;
  /** The probe's first queue call entered → its last one returned. */
  drainSeconds: number;
  eventsPerSecond: number;
  /** Trigger applied (PUT acknowledged) → the first call entered: a consumer group joining, mostly. */
  toFirstDeliveryMs: number;
  /** The records API's rate while they were pre-published, for scale. */
  publishedPerSecond: number;
  calls: number;
  meanBatch: number;
  duplicates: number;
}

export interface TriggersBusResult {
  bus: 'embedded' | 'kafka';
  /** The machine's 1-minute load average as this bus's run began (other work on a shared machine shows here). */
  loadAverage: number;
  latency?: TriggerLatency;
  /** One drain per `throughputMaxInFlight`, in that order. */
  throughput: TriggerThroughput[];
  /** What stopped this bus's rows (the step and the error). */
  failed?: string;
}

export interface TriggersBenchResult {
  launch: TriggerTideLaunch;
  runs: TriggersBusResult[];
  /** Why there is no Kafka column (kcat missing). */
  skipped?: string;
}

/**
 * Kafka triggers end to end, on the embedded log and on the librdkafka mock cluster, each on a Tide
 * of its own: a warm probe function (min 1) with a queue handler that stamps its entry; records
 * produced through the records API. A bus whose chain fails gives its error instead of figures.
 */
export async function runTriggersBench(temp: TempDirs, stops: StopList, log: (line: string) => void): Promise<TriggersBenchResult> {
  const launch = triggerTideLaunch();
  const runs: TriggersBusResult[] = [await onBus('embedded', temp, stops, log)];
  if (!(await kcatAvailable())) return { launch, runs, skipped: "Debian's kcat is not installed (the mock Kafka cluster needs it)" };
  const kafka = await startMockKafka({ brokers: 3 });
  const stopKafka = stops.add('mock Kafka cluster', () => kafka.stop());
  try {
    runs.push(await onBus('kafka', temp, stops, log, kafka.brokers));
  } finally {
    await stopKafka();
  }
  return { launch, runs };
}

async function onBus(
  bus: TriggersBusResult['bus'],
  temp: TempDirs,
  stops: StopList,
  log: (line: string) => void,
  brokers?: readonly string[],
): Promise<TriggersBusResult> {
  const result: TriggersBusResult = { bus, loadAverage: loadavg()[0]!, throughput: [] };
  let step = 'starting Tide';
  const collector = await startCollector();
  const stopCollector = stops.add('probe collector', () => collector.close());
  let tideOutput = () => '';
  try {
    const dataDir = await temp.make(`tide-bench-triggers-${bus}-`);
    const tide = await startTriggerTide({
      dataDir,
      ...(brokers ? { brokers } : {}),
      podPorts: [Number(new URL(collector.url).port)],
      timeoutMs: TRIGGERS_BENCH.startTimeoutMs,
    });
    tideOutput = tide.output;
    const stopThisTide = stops.add(`Tide for triggers on ${bus}`, () => stopTide(tide));
    try {
      step = 'deploying the probe function (one warm pod)';
      await deployProbe(tide.url, collector);
      step = 'record produced → function invoked';
      result.latency = await measureLatency(tide.url, collector);
      for (const maxInFlight of TRIGGERS_BENCH.throughputMaxInFlight) {
        step = `trigger throughput, maxInFlight ${maxInFlight}`;
        const records = bus === 'kafka' ? TRIGGERS_BENCH.throughputRecordsOnMock : TRIGGERS_BENCH.throughputRecords;
        result.throughput.push(await measureThroughput(tide.url, collector, records, maxInFlight));
      }
    } finally {
      await stopThisTide();
    }
  } catch (error) {
    result.failed = `${step}: ${(error as Error).message.split('\n')[0]}`;
    log(`section 11 on ${bus}: ${result.failed}\n--- its Tide's output (last 3 000 chars) ---\n${tideOutput().slice(-3_000)}`);
  } finally {
    await stopCollector();
  }
  return result;
}

/** The probe as a Function of its own, one pod (min 1, max 1: warm, and no scale-out mid-drain), told where the collector is; resolves once its pod is Ready. */
async function deployProbe(base: string, collector: Collector): Promise<void> {
  const digest = await uploadArtifact(base, new TextEncoder().encode(TRIGGER_PROBE_MODULE));
  await applyFunction(base, FUNCTION, digest, { min: 1, max: 1 }, { BENCH_COLLECTOR: collector.url }, UNTHROTTLED);
  const deadline = performance.now() + TRIGGERS_BENCH.startTimeoutMs;
  while (!(await listPods(base)).some((pod) => pod.spec.function === FUNCTION && pod.status.phase === 'Ready')) {
    if (performance.now() > deadline) throw new Error(`${FUNCTION} had no Ready pod within ${TRIGGERS_BENCH.startTimeoutMs} ms`);
    await sleep(25);
  }
}

/**
 * A trigger from the latest offset, then records one at a time at a steady rate (each send starts
 * on its slot, not after the previous answer). First, records are sent every 100 ms until one
 * arrives (the consumer group has joined), then for `latencyWarmupMs` at the measured rate; those
 * are not counted.
 */
async function measureLatency(base: string, collector: Collector): Promise<TriggerLatency> {
  const { latencyRecords, latencyPerSecond, latencyKeys, latencyBatchSize } = TRIGGERS_BENCH;
  const topic = 'bench-latency';
  await applyKafkaTrigger(base, topic, FUNCTION, 'handler', { topics: [topic], startFrom: 'latest', batchSize: latencyBatchSize, ordering: 'key' });
  await firstDelivery(base, collector, topic);
  const warmup = Math.round((TRIGGERS_BENCH.latencyWarmupMs * latencyPerSecond) / 1000);
  await paced(warmup, latencyPerSecond, (i) =>
    publishRecords(base, topic, [{ key: `k${i % latencyKeys}`, value: { seq: -1, sentAt: epochNow() } }]).then(() => undefined),
  );
  const warm = collector.reportsOf(topic).length;
  const acks: number[] = [];
  await paced(latencyRecords, latencyPerSecond, async (seq) => {
    const sentAt = epochNow();
    await publishRecords(base, topic, [{ key: `k${seq % latencyKeys}`, value: { seq, sentAt } }]);
    acks.push(epochNow() - sentAt);
  });
  // Calls that carried measured records (a late warm-up record may have a call of its own).
  const measured = () =>
    collector
      .reportsOf(topic)
      .slice(warm)
      .filter((r) => r.messages.some((m) => m.seq !== null && m.seq >= 0));
  await collector.until(topic, () => seqsOf(measured()).size >= latencyRecords, TRIGGERS_BENCH.deliveryTimeoutMs, `${latencyRecords} paced records`);
  const invoked: number[] = [];
  const fromStamp: number[] = [];
  for (const report of measured())
    for (const m of report.messages) {
      if (m.seq === null || m.seq < 0 || m.sentAt === null) continue;
      invoked.push(report.enteredAt - m.sentAt);
      if (m.timestamp !== null) fromStamp.push(report.enteredAt - m.timestamp);
    }
  return {
    records: latencyRecords,
    invokedMs: summarize(invoked),
    publishAckMs: summarize(acks),
    stampedToInvokedMs: summarize(fromStamp),
    duplicates: invoked.length - seqsOf(measured()).size,
    meanBatch: invoked.length / measured().length,
  };
}

/** Starts `send(i)` for i < count, each on its slot at `perSecond` (not after the previous one's answer); resolves once all have. */
async function paced(count: number, perSecond: number, send: (i: number) => Promise<void>): Promise<void> {
  const sends: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await sleep(wait);
    sends.push(send(i));
  }
  await Promise.all(sends);
}

/** Sends a warm-up record (seq -1) every 100 ms until the trigger delivers one. */
async function firstDelivery(base: string, collector: Collector, topic: string): Promise<void> {
  const arrived = collector.until(topic, (reports) => reports.length > 0, TRIGGERS_BENCH.deliveryTimeoutMs, `trigger ${topic}'s first delivery`);
  let done = false;
  void arrived.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    await publishRecords(base, topic, [{ key: 'warm-up', value: { seq: -1, sentAt: epochNow() } }]);
    await Promise.race([arrived.catch(() => undefined), sleep(100)]);
  }
  await arrived;
}

/**
 * `throughputRecords` of `recordBytes` each pre-published (1 000 keys), then a trigger from the
 * earliest offset with batches of 100 to a queue handler that acks them all; timed by the probe's
 * own stamps from its first call's entry to its last call's return.
 */
async function measureThroughput(base: string, collector: Collector, throughputRecords: number, maxInFlight: number): Promise<TriggerThroughput> {
  const { recordBytes, throughputBatchSize, throughputKeys, publishChunk } = TRIGGERS_BENCH;
  const topic = `bench-throughput-${maxInFlight}`;
  // {"seq":12345,"sentAt":1700000000000.123,"pad":"xxx…"} comes to recordBytes with this pad.
  const pad = 'x'.repeat(recordBytes - JSON.stringify({ seq: 10_000, sentAt: epochNow(), pad: '' }).length);
  const publishStart = performance.now();
  for (let first = 0; first < throughputRecords; first += publishChunk) {
    const records = [];
    for (let seq = first; seq < Math.min(throughputRecords, first + publishChunk); seq++)
      records.push({ key: `k${seq % throughputKeys}`, value: { seq, sentAt: epochNow(), pad } });
    await publishRecords(base, topic, records);
  }
  const publishedPerSecond = throughputRecords / ((performance.now() - publishStart) / 1000);
  const appliedAt = epochNow();
  await applyKafkaTrigger(base, topic, FUNCTION, 'handler', {
    topics: [topic],
    startFrom: 'earliest',
    batchSize: throughputBatchSize,
    ordering: 'key',
    maxInFlight,
  });
  const reports = await collector.until(
    topic,
    (r) => seqsOf(r).size >= throughputRecords,
    TRIGGERS_BENCH.deliveryTimeoutMs,
    `draining ${throughputRecords} records`,
  );
  const firstEntered = Math.min(...reports.map((r) => r.enteredAt));
  const lastLeft = Math.max(...reports.map((r) => r.leftAt));
  const delivered = reports.reduce((n, r) => n + r.messages.length, 0);
  const drainSeconds = (lastLeft - firstEntered) / 1000;
  return {
    maxInFlight,
    records: throughputRecords,
    valueBytes: recordBytes,
    drainSeconds,
    eventsPerSecond: throughputRecords / drainSeconds,
    toFirstDeliveryMs: firstEntered - appliedAt,
    publishedPerSecond,
    calls: reports.length,
    meanBatch: delivered / reports.length,
    duplicates: delivered - seqsOf(reports).size,
  };
}

/** The distinct measured records the probe reported (warm-ups, seq -1, left out). */
function seqsOf(reports: readonly ProbeReport[]): Set<number> {
  const seqs = new Set<number>();
  for (const r of reports) for (const m of r.messages) if (m.seq !== null && m.seq >= 0) seqs.add(m.seq);
  return seqs;
}
