/**
 * Throughput of the embedded log with fsync on, for the top-level bench script:
 * - single: one append of one record awaited at a time (one write + fsync per record);
 * - batched: `batchSize` appenders awaiting concurrently, which group commit turns into one
 *   write + fsync per batch.
 * And replay: open a log and read every record of a topic, as a fold rebuild does.
 */
import { performance } from 'node:perf_hooks';
import { openEmbeddedLog } from './embedded-log.js';

export interface AppendBenchOptions {
  records: number;
  /** 1 = single (one await per append); n > 1 = n concurrent appenders (group commit). */
  batchSize: number;
  valueBytes: number;
  /** Default 'bench.append'. */
  topic?: string;
  /** Default true: the number that matters is the durable one. */
  fsync?: boolean;
}

export interface AppendBench {
  records: number;
  batchSize: number;
  valueBytes: number;
  seconds: number;
  eventsPerSecond: number;
  /** Write+fsync batches the log performed. */
  batches: number;
  meanBatchRecords: number;
  appendLatencyMs: { p50: number; p99: number; max: number };
}

export async function benchAppend(dir: string, options: AppendBenchOptions): Promise<AppendBench> {
  const { records, valueBytes } = options;
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  const topic = options.topic ?? 'bench.append';
  const log = await openEmbeddedLog(dir, { fsync: options.fsync ?? true });
  const value = new Uint8Array(valueBytes).fill(0x61);
  const latencies = new Float64Array(records);
  let issued = 0;
  const appender = async (): Promise<void> => {
    while (issued < records) {
      const i = issued++;
      const started = performance.now();
      await log.append(topic, [{ value, key: `k${i % 64}` }]);
      latencies[i] = performance.now() - started;
    }
  };
  const before = log.stats();
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: Math.min(batchSize, records) }, appender));
  } finally {
    await log.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const batches = log.stats().appendBatches - before.appendBatches;
  return {
    records,
    batchSize,
    valueBytes,
    seconds,
    eventsPerSecond: records / seconds,
    batches,
    meanBatchRecords: batches === 0 ? 0 : records / batches,
    appendLatencyMs: percentiles(latencies),
  };
}

export interface ReadBench {
  records: number;
  /** Time to open the log (which verifies every record's checksum). */
  openMs: number;
  /** Time to read the `records` from offset 0. */
  readMs: number;
  eventsPerSecond: number;
  bytesRead: number;
}

/**
 * Replays `n` records of `topic` (default 'bench.read'), first appending what is missing in large
 * unsynced batches. Reports open (recovery scan) and read separately; eventsPerSecond covers both.
 */
export async function benchRead(dir: string, n: number, options: { topic?: string; valueBytes?: number } = {}): Promise<ReadBench> {
  const topic = options.topic ?? 'bench.read';
  await fill(dir, topic, n, options.valueBytes ?? 256);
  const started = performance.now();
  const log = await openEmbeddedLog(dir, { readOnly: true });
  const opened = performance.now();
  let count = 0;
  let bytesRead = 0;
  try {
    for await (const record of log.read(topic, 0, { follow: false })) {
      bytesRead += record.value.byteLength;
      if (++count === n) break;
    }
  } finally {
    await log.close();
  }
  const finished = performance.now();
  return {
    records: count,
    openMs: opened - started,
    readMs: finished - opened,
    eventsPerSecond: count / ((finished - started) / 1000),
    bytesRead,
  };
}

async function fill(dir: string, topic: string, n: number, valueBytes: number): Promise<void> {
  const log = await openEmbeddedLog(dir, { fsync: false });
  try {
    const value = new Uint8Array(valueBytes).fill(0x62);
    for (let have = await log.endOffset(topic); have < n; ) {
      const batch = Array.from({ length: Math.min(1000, n - have) }, (_, i) => ({ value, key: `k${have + i}` }));
      have += (await log.append(topic, batch)).length;
    }
  } finally {
    await log.close();
  }
}

function percentiles(samples: Float64Array): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}
