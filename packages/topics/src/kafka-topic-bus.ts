import { Kafka, logLevel as LogLevel, Partitioners, type Admin, type Message, type Producer, type SASLOptions } from 'kafkajs';
import type { KafkaSecurity } from '@tide/log-kafka';
import { topicBusLogger } from './kafka-logger.js';
import { joinKafkaGroup, topicEnds } from './kafka-member.js';
import type { PartitionInfo, PublishedRecord, Subscription, TopicBus } from './topic-bus.js';

export interface KafkaTopicBusOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  /** Default 'tide-topics'. */
  clientId?: string;
  security?: KafkaSecurity;
  /** What `describe` answers for a topic the cluster does not have yet (default 4, the mock cluster's and a common num.partitions). */
  defaultPartitions?: number;
  /** Most records per `records` call when a subscription names no maxBatch (default 500). */
  maxBatch?: number;
  /** Consumer group timings (defaults: session 10 s, heartbeat 1 s, rebalance 30 s). */
  sessionTimeoutMs?: number;
  heartbeatMs?: number;
  rebalanceTimeoutMs?: number;
  /** Wait before offering again a batch the handler rejected (default 1 s). */
  retryMs?: number;
  /** How long a Fetch waits at the broker when there is nothing new (default 100). */
  fetchMaxWaitMs?: number;
  /** kafkajs' own logging (default ERROR; a broker's refusal of one request during a rebalance is left out). */
  logLevel?: LogLevel;
  /** Where kafkajs' log lines (JSON) go; default stderr. */
  log?(line: string): void;
  /** Rejected batches (offered again), failed revocations, crashed consumers (kafkajs restarts them). */
  onError?(error: Error): void;
}

/**
 * The TopicBus on a Kafka cluster (kafkajs). Publishing uses one producer (acks -1, kafkajs'
 * DefaultPartitioner: a key's partition is murmur2's, as every Kafka client's); each subscription
 * is a consumer of its own in its group (kafka-member.ts); `describe` asks the admin client.
 */
export async function openKafkaTopicBus(options: KafkaTopicBusOptions): Promise<TopicBus> {
  const { security } = options;
  const kafka = new Kafka({
    brokers: [...options.brokers],
    clientId: options.clientId ?? 'tide-topics',
    connectionTimeout: 3_000,
    logLevel: options.logLevel ?? LogLevel.ERROR,
    logCreator: topicBusLogger(options.log ?? ((line) => process.stderr.write(`${line}\n`))),
    ...(security?.ssl === undefined ? {} : { ssl: security.ssl }),
    // kafkajs types each mechanism's options apart; for these three they have one shape.
    ...(security?.sasl === undefined ? {} : { sasl: { ...security.sasl } as SASLOptions }),
  });
  // Which partition the partitioner chose for each message of a send, to give each record its offset.
  const chosen = new WeakMap<Message, number>();
  const partitioner = Partitioners.DefaultPartitioner();
  const producer: Producer = kafka.producer({
    idempotent: false,
    allowAutoTopicCreation: true,
    createPartitioner: () => (args) => {
      const partition = partitioner(args);
      chosen.set(args.message, partition);
      return partition;
    },
  });
  const admin: Admin = kafka.admin();
  try {
    await Promise.all([producer.connect(), admin.connect()]);
  } catch (error) {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    throw new Error(`topic bus: cannot reach Kafka at ${options.brokers.join(', ')}: ${(error as Error).message}`, { cause: error });
  }
  const subscriptions = new Set<Subscription>();
  const onError = options.onError ?? (() => undefined);

  return {
    async publish(topic, records) {
      if (records.length === 0) return [];
      const messages: Message[] = records.map((r) => ({
        key: r.key ?? null,
        value: typeof r.value === 'string' ? Buffer.from(r.value) : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
        ...(r.headers && { headers: { ...r.headers } }),
      }));
      const answers = await producer.send({ topic, acks: -1, messages });
      const baseOffsets = new Map(answers.map((a) => [a.partition, Number(a.baseOffset)]));
      const nextInPartition = new Map<number, number>();
      return messages.map((message): PublishedRecord => {
        const partition = chosen.get(message);
        const base = partition === undefined ? undefined : baseOffsets.get(partition);
        if (partition === undefined || base === undefined) throw new Error(`topic bus: Kafka did not say where a record published to ${topic} went`);
        const index = nextInPartition.get(partition) ?? 0;
        nextInPartition.set(partition, index + 1);
        return { topic, partition, offset: base + index };
      });
    },

    async describe(topic): Promise<PartitionInfo[]> {
      try {
        return await topicEnds(admin, topic);
      } catch (error) {
        if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
        return Array.from({ length: options.defaultPartitions ?? 4 }, (_, partition) => ({ partition, endOffset: 0 }));
      }
    },

    async subscribe(subscribe) {
      const subscription: Subscription = await joinKafkaGroup({
        kafka,
        admin,
        subscribe,
        maxBatch: subscribe.maxBatch ?? options.maxBatch ?? 500,
        sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
        heartbeatMs: options.heartbeatMs ?? 1_000,
        rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 30_000,
        maxWaitMs: options.fetchMaxWaitMs ?? 100,
        retryMs: options.retryMs ?? 1_000,
        onError,
        forget: () => subscriptions.delete(subscription),
      });
      subscriptions.add(subscription);
      return subscription;
    },

    async close() {
      await Promise.all([...subscriptions].map((s) => s.stop()));
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    },
  };
}
