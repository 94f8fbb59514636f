import { benchAppend, type AppendBench } from '@tide/log';
import type { TempDirs } from './temp-dirs.js';

export interface LogBenchResult {
  single: AppendBench;
  batched: AppendBench;
}

export const LOG_BENCH = { singleRecords: 2_000, batchedRecords: 50_000, concurrentAppenders: 512, valueBytes: 256 };

/** Durable appends (fsync on): one awaited at a time, then many in flight so group commit batches them. */
export async function runLogBench(temp: TempDirs): Promise<LogBenchResult> {
  const { singleRecords, batchedRecords, concurrentAppenders, valueBytes } = LOG_BENCH;
  const single = await benchAppend(await temp.make('tide-bench-log-single-'), { records: singleRecords, batchSize: 1, valueBytes });
  const batched = await benchAppend(await temp.make('tide-bench-log-batched-'), { records: batchedRecords, batchSize: concurrentAppenders, valueBytes });
  return { single, batched };
}
