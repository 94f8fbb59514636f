import { systemClock, type Clock } from '@tide/core';
import type { EventLog } from '@tide/log';
import { busPartitionTopic } from './bus-partition-topic.js';
import { createGroupTurns } from './group-turns.js';
import { startPartitionReader, type PartitionReader } from './log-partition-reader.js';
import { partitionOfKey } from './murmur2.js';
import { logOffsetForTime } from './offset-for-time.js';
import type { PartitionInfo, PublishedRecord, PublishRecord, StartFrom, SubscribeOptions, Subscription, TopicBus, TopicPartition } from './topic-bus.js';

export interface LogTopicBusOptions {
  /** Partitions of every topic (default 4, as the mock Kafka cluster auto-creates them). */
  partitions?: number;
  clock?: Clock;
  /** Most records per `records` call when a subscription names no maxBatch (default 500). */
  maxBatch?: number;
  /** Wait before reading again after a failed read, or offering again a batch the handler rejected (default 1 s). */
  retryMs?: number;
  /** Failed reads and rejected batches (both retried); default: ignored. */
  onError?(error: Error): void;
}

/**
 * The TopicBus over Tide's EventLog: the embedded log in this process, the HTTP log of another
 * process, or the memory log in tests. Partition P of topic T is the log topic `bus.T.P`; a keyed
 * record goes where Kafka's default partitioner would put it, a keyless one round robin.
 *
 * Consumer groups are simple on one machine: committed positions are the log's consumer offsets
 * (`commitOffset(group, 'bus.T.P', next)`), and one member owns all of a group's partitions —
 * one triggers process consumes a machine's topics. A second subscription of the same group on
 * this bus waits until the first has stopped (and its `revoked` resolved), then is `assigned`
 * everything. Two processes subscribing the same group through two buses would both consume:
 * that is not how Tide runs, and this bus does not guard against it.
 */
export function openLogTopicBus(log: EventLog, options: LogTopicBusOptions = {}): TopicBus {
  const partitions = options.partitions ?? 4;
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  const clock = options.clock ?? systemClock;
  const onError = options.onError ?? (() => undefined);
  const turns = createGroupTurns();
  const roundRobin = new Map<string, number>();
  const subscriptions = new Set<Subscription>();
  let closed = false;

  const partitionOf = (topic: string, record: PublishRecord): number => {
    if (record.key !== undefined) return partitionOfKey(record.key, partitions);
    const next = roundRobin.get(topic) ?? 0;
    roundRobin.set(topic, next + 1);
    return next % partitions;
  };

  const bus: TopicBus = {
    async publish(topic, records) {
      if (closed) throw new Error(`topic bus is closed: cannot publish to ${topic}`);
      busPartitionTopic(topic, 0);
      const byPartition = new Map<number, number[]>();
      records.forEach((record, i) => {
        const p = partitionOf(topic, record);
        const indexes = byPartition.get(p);
        if (indexes) indexes.push(i);
        else byPartition.set(p, [i]);
      });
      const published: PublishedRecord[] = new Array(records.length);
      await Promise.all(
        [...byPartition].map(async ([partition, indexes]) => {
          const offsets = await log.append(
            busPartitionTopic(topic, partition),
            indexes.map((i) => {
              const { key, value, headers } = records[i]!;
              return { value, ...(key !== undefined && { key }), ...(headers && { headers }) };
            }),
          );
          indexes.forEach((i, j) => (published[i] = { topic, partition, offset: offsets[j]! }));
        }),
      );
      return published;
    },

    async describe(topic): Promise<PartitionInfo[]> {
      return Promise.all(range(partitions).map(async (partition) => ({ partition, endOffset: await log.endOffset(busPartitionTopic(topic, partition)) })));
    },

    async subscribe(subscribe) {
      if (closed) throw new Error(`topic bus is closed: cannot subscribe group ${subscribe.group}`);
      const assignment = subscribe.topics.flatMap((topic) => range(partitions).map((partition) => ({ topic, partition })));
      const logTopic = (tp: TopicPartition) => busPartitionTopic(tp.topic, tp.partition);
      assignment.forEach(logTopic);
      // `latest` means the end when the subscription was made, even if its turn comes later.
      const ends = await Promise.all(assignment.map((tp) => (subscribe.startFrom === 'latest' ? log.endOffset(logTopic(tp)) : 0)));
      const subscription = subscribeGroup(subscribe, assignment, ends, {
        log,
        logTopic,
        turns,
        clock,
        maxBatch: subscribe.maxBatch ?? options.maxBatch ?? 500,
        retryMs: options.retryMs ?? 1_000,
        onError,
        forget: () => subscriptions.delete(subscription),
      });
      subscriptions.add(subscription);
      return subscription;
    },

    async close() {
      closed = true;
      await Promise.all([...subscriptions].map((s) => s.stop()));
    },
  };
  return bus;
}

interface GroupContext {
  log: EventLog;
  logTopic(tp: TopicPartition): string;
  turns: ReturnType<typeof createGroupTurns>;
  clock: Clock;
  maxBatch: number;
  retryMs: number;
  onError(error: Error): void;
  forget(): void;
}

/** Where the group starts on a partition (see StartFrom; `latest`: its end when the subscription was made). */
async function startOf(startFrom: StartFrom, committed: number | undefined, log: EventLog, logTopic: string, endAtSubscribe: number): Promise<number> {
  if (typeof startFrom === 'object') return Math.max(committed ?? 0, await logOffsetForTime(log, logTopic, startFrom.timestamp));
  return committed ?? (startFrom === 'earliest' ? 0 : endAtSubscribe);
}

function subscribeGroup(options: SubscribeOptions, assignment: TopicPartition[], endsAtSubscribe: number[], ctx: GroupContext): Subscription {
  const { group, handler } = options;
  const member = {};
  let readers: PartitionReader[] = [];
  let owned = false;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const isAssigned = (tp: TopicPartition) => owned && assignment.some((a) => a.topic === tp.topic && a.partition === tp.partition);

  const activation = (async () => {
    if (!(await ctx.turns.wait(group, member)) || stopping) return;
    const starts = await Promise.all(
      assignment.map(async (tp, i) =>
        startOf(options.startFrom, await ctx.log.committedOffset(group, ctx.logTopic(tp)), ctx.log, ctx.logTopic(tp), endsAtSubscribe[i]!),
      ),
    );
    if (stopping) return;
    owned = true;
    handler.assigned(assignment);
    readers = assignment.map((partition, i) =>
      startPartitionReader({
        log: ctx.log,
        logTopic: ctx.logTopic(partition),
        partition,
        fromOffset: starts[i]!,
        maxBatch: ctx.maxBatch,
        handler,
        clock: ctx.clock,
        retryMs: ctx.retryMs,
        onError: ctx.onError,
      }),
    );
  })().catch((error: unknown) => ctx.onError(new Error(`topic bus: starting group ${group}: ${String(error)}`, { cause: error })));

  const stop = async () => {
    stopping = true;
    if (!owned) ctx.turns.leave(group, member); // still in line, or between its turn and `assigned`
    await activation;
    await Promise.all(readers.map((r) => r.stop()));
    // Commits stay allowed while `revoked` runs: it is where a handler commits what it finished.
    if (owned)
      await handler
        .revoked(assignment)
        .catch((error: unknown) => ctx.onError(new Error(`topic bus: group ${group} revoked: ${String(error)}`, { cause: error })));
    owned = false;
    ctx.turns.leave(group, member);
    ctx.forget();
  };

  return {
    async commit(tp, nextOffset) {
      if (!isAssigned(tp)) return false;
      await ctx.log.commitOffset(group, ctx.logTopic(tp), nextOffset);
      return true;
    },
    async committed(tp) {
      return ctx.log.committedOffset(group, ctx.logTopic(tp));
    },
    stop() {
      return (stopped ??= stop());
    },
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
