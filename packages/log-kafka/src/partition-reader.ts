/**
 * Reads partition 0 of a topic from an offset with plain Fetch requests on a Cluster of the
 * reader's own (see kafka-cluster.ts for why not a kafkajs consumer). Its own connections also
 * keep one reader's long poll from delaying another's: a broker answers one connection's
 * requests in order.
 *
 * Broker restarts and leader moves are retried (with back-off, metadata refreshed) until the
 * read is aborted: a tailing reader resumes where it was. A non-tailing read gives up after
 * `giveUpMs` of consecutive failures.
 *
 * A tailing reader also checks that the log it comes back to is the one it left: if the log now
 * ends before what the reader reached, or holds another record where the last one it yielded was,
 * it throws LogRewoundError (a cluster that lost its data: the librdkafka mock keeps nothing).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Cluster } from 'kafkajs';
import { LogRewoundError, lostRecord, type LogRecord } from '@tide/log';
import { READ_COMMITTED, partitionLeader } from './kafka-cluster.js';
import { fetchedRecords, type FetchedPartition, type FetchedRecords } from './fetched-records.js';

export interface PartitionReadOptions {
  topic: string;
  fromOffset: number;
  /** Infinity to tail; otherwise the offset to stop before. */
  stopAt: number;
  signal: AbortSignal;
  /** How long the broker may hold a Fetch that has nothing to return. */
  fetchMaxWaitMs: number;
  fetchMaxBytes: number;
  giveUpMs: number;
  /** The topic's current end, to tell an offset not written yet from one deleted by retention. */
  endOffset: () => Promise<number>;
  /** Wraps a failure with the brokers and topic. */
  failed: (error: unknown) => Error;
  /** The brokers, for errors. */
  where: string;
  /** Told how each Fetch went, and when it was sent (connectivity reporting). */
  onFetch?: (error: unknown, startedAt: number) => void;
}

const MAX_BACKOFF_MS = 1_000;

export async function* readPartition(cluster: Cluster, options: PartitionReadOptions): AsyncGenerator<LogRecord> {
  const { topic, stopAt, signal } = options;
  let next = options.fromOffset;
  let failingSince: number | undefined;
  let failures = 0;
  // The furthest the log is known to have reached, and the last record yielded: what a log that
  // came back after a failure must still hold.
  let reached = -1;
  let last: LogRecord | undefined;
  let recheck = false;
  while (!signal.aborted && next < stopAt) {
    let fetched: FetchedRecords | undefined;
    const startedAt = Date.now();
    try {
      if (recheck && last !== undefined) {
        const found = await whatItHoldsNow(cluster, last, options);
        if (found !== undefined) throw new LogRewoundError(topic, next, found, options.where);
      }
      fetched = await untilAborted(fetchOnce(cluster, topic, next, options), signal);
      failingSince = undefined;
      failures = 0;
      recheck = false;
      options.onFetch?.(undefined, startedAt);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof LogRewoundError) throw error;
      if (isOutOfRange(error) && stopAt === Infinity) {
        const end = await options.endOffset().catch(() => -1);
        if (end >= 0 && end < next && next <= reached) throw new LogRewoundError(topic, next, `ends at ${end}`, options.where);
        if (next > end) {
          // Tailing from beyond the end (an offset not written yet): wait for the log to reach it.
          await sleep(options.fetchMaxWaitMs, signal);
          continue;
        }
      }
      failingSince ??= Date.now();
      if (!isRetriable(error) || (stopAt !== Infinity && Date.now() - failingSince > options.giveUpMs)) throw options.failed(error);
      options.onFetch?.(error, startedAt);
      recheck = true;
      await cluster.refreshMetadata().catch(() => undefined);
      await sleep(Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures++), signal);
      continue;
    }
    if (fetched === undefined) return;
    reached = Math.max(reached, fetched.highWatermark, fetched.next);
    for (const record of fetched.records) {
      if (record.offset >= stopAt || signal.aborted) return;
      last = record;
      yield record;
    }
    next = fetched.next;
  }
}

/** What the log holds now where `record` was (see lostRecord in @tide/log): undefined = nothing lost. */
async function whatItHoldsNow(cluster: Cluster, record: LogRecord, options: PartitionReadOptions): Promise<string | undefined> {
  let again: FetchedRecords;
  try {
    again = await fetchOnce(cluster, options.topic, record.offset, { ...options, fetchMaxWaitMs: 0 });
  } catch (error) {
    if (!isOutOfRange(error)) throw error;
    const end = await options.endOffset();
    options.onFetch?.(undefined, Date.now()); // the cluster answered
    return lostRecord(record, end, undefined);
  }
  options.onFetch?.(undefined, Date.now());
  return lostRecord(
    record,
    again.highWatermark,
    again.records.find((r) => r.offset === record.offset),
  );
}

async function fetchOnce(cluster: Cluster, topic: string, offset: number, options: PartitionReadOptions): Promise<FetchedRecords> {
  const broker = await partitionLeader(cluster, topic);
  // Aborted meanwhile: the reader has gone and is disconnecting this cluster; sending now would
  // only make kafkajs log a write-after-end.
  if (options.signal.aborted) return { records: [], next: offset, highWatermark: offset };
  const response = (await broker.fetch({
    isolationLevel: READ_COMMITTED,
    maxWaitTime: options.fetchMaxWaitMs,
    minBytes: 1,
    maxBytes: options.fetchMaxBytes,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: String(offset), maxBytes: options.fetchMaxBytes }] }],
  })) as { responses: { topicName: string; partitions: FetchedPartition[] }[] };
  const partition = response.responses.find((r) => r.topicName === topic)?.partitions.find((p) => p.partition === 0);
  if (partition === undefined) return { records: [], next: offset, highWatermark: offset };
  return fetchedRecords(topic, offset, partition);
}

/**
 * kafkajs marks errors worth retrying (connection lost, not leader, unknown topic yet, ...). When
 * its own retries run out (an outage longer than its retry budget) it throws a non-retriable
 * KafkaJSNumberOfRetriesExceeded: for a reader that is just a longer outage, so keep trying.
 */
function isRetriable(error: unknown): boolean {
  const e = error as { retriable?: unknown; name?: unknown } | null;
  return e?.retriable === true || e?.name === 'KafkaJSNumberOfRetriesExceeded';
}

function isOutOfRange(error: unknown): boolean {
  return (error as { type?: unknown } | null)?.type === 'OFFSET_OUT_OF_RANGE';
}

/** Resolves undefined as soon as `signal` aborts; the abandoned promise's outcome is ignored. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}
