import type { Clock } from '@tide/core';
import type { EventLog, LogRecord } from '@tide/log';
import type { ConsumedRecord, PartitionHandler, TopicPartition } from './topic-bus.js';

export interface PartitionReaderOptions {
  log: EventLog;
  /** The log topic holding the partition (`bus.<topic>.<p>`). */
  logTopic: string;
  partition: TopicPartition;
  fromOffset: number;
  maxBatch: number;
  handler: PartitionHandler;
  clock: Clock;
  /** Wait after a failed read or a rejected `records` call before trying again. */
  retryMs: number;
  onError(error: Error): void;
}

export interface PartitionReader {
  /** Stops reading; resolves once no `records` call is running. */
  stop(): Promise<void>;
}

/**
 * Follows one partition and hands its records to the handler in batches, one call at a time.
 * A pump reads ahead at most `maxBatch` records; the handler gets whatever has arrived (up to
 * `maxBatch`) as soon as its previous call resolved, so a slow handler holds the pump back
 * (back-pressure) and a fast one gets small batches with no added wait.
 */
export function startPartitionReader(options: PartitionReaderOptions): PartitionReader {
  const { log, logTopic, partition, maxBatch, handler, clock } = options;
  const controller = new AbortController();
  const buffer: ConsumedRecord[] = [];
  let wakeDeliverer: (() => void) | undefined;
  let wakePump: (() => void) | undefined;
  const wake = (which: 'deliverer' | 'pump') => {
    const w = which === 'deliverer' ? wakeDeliverer : wakePump;
    if (which === 'deliverer') wakeDeliverer = undefined;
    else wakePump = undefined;
    w?.();
  };
  controller.signal.addEventListener('abort', () => {
    wake('deliverer');
    wake('pump');
  });
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (controller.signal.aborted) return resolve();
      const handle = clock.setTimeout(done, ms);
      function done() {
        clock.clearTimeout(handle);
        controller.signal.removeEventListener('abort', done);
        resolve();
      }
      controller.signal.addEventListener('abort', done);
    });

  const pump = async () => {
    let next = options.fromOffset;
    while (!controller.signal.aborted) {
      try {
        for await (const record of log.read(logTopic, next, { follow: true, signal: controller.signal })) {
          buffer.push(consumed(record, partition));
          next = record.offset + 1;
          wake('deliverer');
          while (buffer.length >= maxBatch && !controller.signal.aborted) await new Promise<void>((r) => (wakePump = r));
        }
        return; // the read ends only when aborted or when the log closed
      } catch (error) {
        options.onError(withContext(error, `reading ${logTopic} from offset ${next}`));
        await pause(options.retryMs);
      }
    }
  };

  const deliver = async () => {
    while (!controller.signal.aborted) {
      if (buffer.length === 0) {
        await new Promise<void>((r) => (wakeDeliverer = r));
        continue;
      }
      const batch = buffer.slice(0, maxBatch);
      try {
        await handler.records(batch);
        buffer.splice(0, batch.length);
        wake('pump');
      } catch (error) {
        // Offered again, in order: the handler decides what a record it cannot take means.
        options.onError(withContext(error, `handing ${logTopic} offsets ${batch[0]!.offset}..${batch.at(-1)!.offset} to the handler`));
        await pause(options.retryMs);
      }
    }
  };

  const running = Promise.all([pump(), deliver()]);
  return {
    async stop() {
      controller.abort();
      await running;
    },
  };
}

function consumed(record: LogRecord, partition: TopicPartition): ConsumedRecord {
  return {
    topic: partition.topic,
    partition: partition.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: record.timestamp,
  };
}

function withContext(error: unknown, doing: string): Error {
  const cause = error instanceof Error ? error : new Error(String(error));
  return new Error(`topic bus: ${doing}: ${cause.message}`, { cause });
}
