import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Offsets } from 'kafkajs';
import { assignmentChange, parsePartitionKey, partitionKey, type MemberAssignment } from './assignment-change.js';
import type { ConsumedRecord, SubscribeOptions, Subscription, TopicPartition } from './topic-bus.js';

export interface KafkaMemberOptions {
  kafka: Kafka;
  admin: Admin;
  subscribe: SubscribeOptions;
  maxBatch: number;
  sessionTimeoutMs: number;
  heartbeatMs: number;
  rebalanceTimeoutMs: number;
  /** Wait before offering again a batch the handler rejected. */
  retryMs: number;
  /** How long a Fetch waits at the broker for records (the librdkafka mock always waits this long). */
  maxWaitMs: number;
  onError(error: Error): void;
  /** Called once the member has left. */
  forget(): void;
}

/** How far back a `{timestamp}` start looks when the broker says no record is that new (see seekStart). */
const LOOK_BACK_RECORDS = 1000;

/** kafkajs' errors that mean "this generation is over" (its own isRebalancing, plus a forgotten member). */
const GENERATION_OVER = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);
const generationOver = (error: unknown) => GENERATION_OVER.has((error as { type?: string }).type ?? '');

/**
 * One member of a Kafka consumer group (a kafkajs consumer), told what kafkajs itself does not
 * say. kafkajs has no "partitions revoked" callback and, left alone, auto-commits and keeps
 * committing across a rebalance (its commit retries run into the next generation). So:
 * - the assignment is tracked from GROUP_JOIN; partitions a new generation no longer gives are
 *   `revoked` (all of them once kafkajs reports REBALANCING: its rebalances are eager);
 * - `commit` refuses a partition not held in the current generation, and commits through the
 *   group's own OffsetCommit of the current generation, without kafkajs' retries: a commit the
 *   broker refuses because the generation ended answers false;
 * - nothing auto-commits (`autoCommit: false`), and a batch is resolved only as the handler takes
 *   it in; while the handler holds a batch back (back-pressure) the member keeps heartbeating, and
 *   if a heartbeat learns of a rebalance, `revoked` is awaited before kafkajs rejoins.
 */
export async function joinKafkaGroup(options: KafkaMemberOptions): Promise<Subscription> {
  const { subscribe, admin, onError } = options;
  const { group, handler, startFrom } = subscribe;
  const consumer: Consumer = options.kafka.consumer({
    groupId: group,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatMs,
    rebalanceTimeout: options.rebalanceTimeoutMs,
    maxWaitTimeInMs: options.maxWaitMs,
    allowAutoTopicCreation: true,
  });
  const held = new Set<string>();
  const inFlight = new Map<string, Promise<void>>();
  let revocation: Promise<void> | undefined;
  let joined: Promise<void> = Promise.resolve();
  let stopping = false;
  let commitInGeneration: ((offsets: Offsets) => Promise<void>) | undefined;
  const report = (doing: string) => (error: unknown) => onError(new Error(`topic bus: group ${group} ${doing}: ${(error as Error).message}`, { cause: error }));

  // `latest` is the end when the subscription was made, not when the group first gets its partitions.
  const endsAtSubscribe = new Map<string, number>();
  if (startFrom === 'latest') {
    for (const topic of subscribe.topics) {
      for (const p of await topicEnds(admin, topic)) endsAtSubscribe.set(partitionKey({ topic, partition: p.partition }), p.endOffset);
    }
  }

  /** Every held partition is revoked; commits stay allowed until the handler's `revoked` resolves. */
  const revokeAll = () =>
    (revocation ??= (async () => {
      await Promise.all(inFlight.values());
      const list = [...held].map(parsePartitionKey);
      if (list.length > 0) await handler.revoked(list).catch(report('revoking partitions'));
      held.clear();
    })());

  consumer.on(consumer.events.REBALANCING, () => void revokeAll());
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const assignment = event.payload.memberAssignment as MemberAssignment;
    joined = joined.then(async () => {
      if (revocation) await revocation;
      revocation = undefined;
      const change = assignmentChange(held, assignment);
      if (change.revoked.length > 0) {
        await handler.revoked(change.revoked).catch(report('revoking partitions'));
        for (const tp of change.revoked) held.delete(partitionKey(tp));
      }
      if (stopping) return;
      await seekStart(change.added);
      for (const tp of change.next) held.add(partitionKey(tp));
      if (change.added.length > 0) handler.assigned(change.added);
    });
    joined = joined.catch(report('taking its assignment'));
  });
  consumer.on(consumer.events.CRASH, (event) => {
    report('crashed')(event.payload.error);
    // kafkajs restarts a member only after a retriable error; after any other (the librdkafka
    // mock answers some SyncGroups with an unknown error) the member would stay out of the group.
    if (!event.payload.restart && !stopping) void rejoin();
  });

  /** Partitions (by key) whose records stamped before this time are dropped, up to the first one after it. */
  const droppingBefore = new Map<string, number>();

  /**
   * Where the group starts on a newly assigned partition (see StartFrom). `latest` with nothing
   * committed: the end it had when subscribing (the first time it is assigned). `{timestamp}`,
   * looked up on every assignment: the first record stamped at or after it (Kafka's ListOffsets by
   * time), or the commit when that is further on. When the broker answers the end — nothing that
   * new, or a broker with no time index (librdkafka's mock cluster) — the member looks back a
   * bounded number of records and drops those stamped before, so a record published just after
   * the mark is not lost either way.
   */
  const seekStart = async (added: TopicPartition[]) => {
    for (const tp of added) {
      const key = partitionKey(tp);
      droppingBefore.delete(key);
      const end = endsAtSubscribe.get(key);
      if (end === undefined && typeof startFrom !== 'object') continue;
      endsAtSubscribe.delete(key);
      const committed = await committedOffset(admin, group, tp);
      if (typeof startFrom !== 'object') {
        if (committed === undefined) consumer.seek({ ...tp, offset: String(end) });
        continue;
      }
      const at = await offsetForTimestamp(admin, tp, startFrom.timestamp);
      if (at.offset < at.high) consumer.seek({ ...tp, offset: String(Math.max(committed ?? 0, at.offset)) });
      else if (committed === undefined || committed < at.high) {
        consumer.seek({ ...tp, offset: String(Math.max(committed ?? 0, at.low, at.high - LOOK_BACK_RECORDS)) });
        droppingBefore.set(key, startFrom.timestamp);
      }
    }
  };

  /** The records of a chunk to hand over, once those stamped before a `{timestamp}` start are dropped. */
  const sinceStart = (key: string, messages: KafkaMessage[]): KafkaMessage[] => {
    const since = droppingBefore.get(key);
    if (since === undefined) return messages;
    const first = messages.findIndex((m) => Number(m.timestamp) >= since);
    if (first < 0) return [];
    droppingBefore.delete(key);
    return messages.slice(first);
  };

  const eachBatch = async (payload: EachBatchPayload) => {
    const { batch } = payload;
    commitInGeneration ??= (offsets) => payload.commitOffsetsIfNecessary(offsets);
    await joined;
    const tp = { topic: batch.topic, partition: batch.partition };
    const key = partitionKey(tp);
    await inFlight.get(key);
    const gone = () => stopping || !held.has(key) || !payload.isRunning() || payload.isStale();
    /** Heartbeats while waiting; a heartbeat that meets a rebalance revokes before kafkajs rejoins. */
    const meanwhileBeating = async (work: Promise<void>) => {
      try {
        await heartbeatingUntil(work, payload.heartbeat, options.heartbeatMs);
      } catch (error) {
        if (generationOver(error)) await revokeAll();
        throw error;
      }
    };
    for (let at = 0; at < batch.messages.length; at += options.maxBatch) {
      const chunk = batch.messages.slice(at, at + options.maxBatch);
      const messages = sinceStart(key, chunk);
      if (messages.length === 0) {
        payload.resolveOffset(chunk.at(-1)!.offset);
        continue;
      }
      for (;;) {
        if (gone()) return;
        let refusal: { error: unknown } | undefined;
        const taken = handler.records(messages.map((m) => consumed(tp, m))).catch((error: unknown) => void (refusal = { error }));
        inFlight.set(key, taken);
        await meanwhileBeating(taken);
        if (!refusal) break;
        // Offered again, in order, as the log bus does: the handler decides what a record it cannot take means.
        const first = messages[0]!.offset;
        report(`handing ${batch.topic}/${batch.partition} offsets ${first}..${messages.at(-1)!.offset} to the handler`)(refusal.error);
        await meanwhileBeating(new Promise((resolve) => setTimeout(resolve, options.retryMs)));
      }
      payload.resolveOffset(messages.at(-1)!.offset);
    }
  };

  const run = () => consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 64, eachBatch });
  /** After a crash kafkajs gave up on: what was held is revoked, then the member joins again. */
  const rejoin = async () => {
    await revokeAll();
    for (let attempt = 1; !stopping; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(options.retryMs * attempt, 30_000)));
      if (stopping) return;
      try {
        await consumer.connect();
        await run();
        return;
      } catch (error) {
        report(`rejoining (attempt ${attempt})`)(error);
        await consumer.disconnect().catch(() => undefined);
      }
    }
  };

  await consumer.connect();
  try {
    // `{timestamp}` seeks every partition that has no commit; were a seek missed, reading from the start loses nothing.
    await consumer.subscribe({ topics: [...subscribe.topics], fromBeginning: startFrom !== 'latest' });
    await run();
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    async commit(partition, nextOffset) {
      if (!held.has(partitionKey(partition)) || stopped) return false;
      const offsets = { topics: [{ topic: partition.topic, partitions: [{ partition: partition.partition, offset: String(nextOffset) }] }] };
      try {
        if (commitInGeneration) await commitInGeneration(offsets);
        else await consumer.commitOffsets([{ ...partition, offset: String(nextOffset) }]);
        return held.has(partitionKey(partition));
      } catch (error) {
        if (generationOver(error)) return false;
        throw error;
      }
    },
    committed: (partition) => committedOffset(admin, group, partition),
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        consumer.pause(subscribe.topics.map((topic) => ({ topic })));
        await joined;
        await revokeAll();
        await consumer.disconnect().catch(report('leaving'));
        options.forget();
      })()),
  };
}

/** Waits for `work`, heartbeating meanwhile so the group does not think the member dead. */
async function heartbeatingUntil(work: Promise<void>, heartbeat: () => Promise<void>, everyMs: number): Promise<void> {
  let done = false;
  const finished = work.finally(() => {
    done = true;
  });
  while (!done) {
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<'tick'>((resolve) => (timer = setTimeout(() => resolve('tick'), everyMs)));
    const winner = await Promise.race([finished.then(() => 'done' as const), tick]);
    clearTimeout(timer);
    if (winner === 'tick') await heartbeat();
  }
}

export async function topicEnds(admin: Admin, topic: string): Promise<{ partition: number; endOffset: number }[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.map((o) => ({ partition: o.partition, endOffset: Number(o.high) })).sort((a, b) => a.partition - b.partition);
}

/** The first offset stamped at or after `timestamp` (kafkajs answers the end when there is none), with the partition's bounds. */
async function offsetForTimestamp(admin: Admin, tp: TopicPartition, timestamp: number): Promise<{ offset: number; low: number; high: number }> {
  // The bounds first: a record appended between the two asks can only make `offset` lower than `high`, never skipped.
  const bounds = (await admin.fetchTopicOffsets(tp.topic)).find((o) => o.partition === tp.partition);
  const offset = (await admin.fetchTopicOffsetsByTimestamp(tp.topic, timestamp)).find((o) => o.partition === tp.partition)?.offset;
  if (bounds === undefined || offset === undefined) {
    throw new Error(`Kafka did not say which offset of ${tp.topic}/${tp.partition} is at ${new Date(timestamp).toISOString()}`);
  }
  return { offset: Number(offset), low: Number(bounds.low), high: Number(bounds.high) };
}

async function committedOffset(admin: Admin, group: string, tp: TopicPartition): Promise<number | undefined> {
  const [topic] = await admin.fetchOffsets({ groupId: group, topics: [tp.topic] });
  const offset = topic?.partitions.find((p) => p.partition === tp.partition)?.offset;
  return offset === undefined || Number(offset) < 0 ? undefined : Number(offset);
}

function consumed(tp: TopicPartition, message: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first.toString();
  }
  const value = message.value ?? Buffer.alloc(0);
  return {
    ...tp,
    offset: Number(message.offset),
    key: message.key === null ? null : message.key.toString(),
    value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    headers,
    timestamp: Number(message.timestamp),
  };
}
