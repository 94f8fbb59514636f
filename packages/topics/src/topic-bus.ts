/**
 * The TopicBus port: users' topics, partitioned and keyed as Kafka's are. Two adapters implement
 * it: one over Tide's own EventLog (the embedded log on one machine, a partition per log topic)
 * and one over a Kafka cluster (kafkajs). Triggers consume through it; `tide publish`, the records
 * API and Workers queue bindings produce through it. Names here are physical topic names: the
 * platform's topics of a namespace are named by `platformTopic(namespace, topic)`.
 */

export interface PublishRecord {
  /** Records with the same key go to the same partition (Kafka's murmur2 partitioner), so their order is kept. */
  key?: string;
  value: Uint8Array | string;
  headers?: Record<string, string>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PublishedRecord extends TopicPartition {
  offset: number;
}

export interface ConsumedRecord extends TopicPartition {
  offset: number;
  key: string | null;
  value: Uint8Array;
  headers: Record<string, string>;
  /** Epoch ms at which the log accepted the record. */
  timestamp: number;
}

export interface PartitionInfo {
  partition: number;
  /** The offset the next record will get (records ever written to the partition). */
  endOffset: number;
}

/** What a consumer group member is told. Calls for one partition never overlap. */
export interface PartitionHandler {
  /** Partitions given to this member, at start or after a rebalance. */
  assigned(partitions: readonly TopicPartition[]): void;
  /**
   * Partitions taken from this member. Resolve once no more commits will be made for them: the
   * bus waits (within the rebalance timeout) before letting another member have them.
   */
  revoked(partitions: readonly TopicPartition[]): Promise<void>;
  /**
   * Records of one partition, in offset order, never again those before the last batch. Resolving
   * asks for more: resolve when the records are taken in (back-pressure), not when they are done.
   */
  records(batch: readonly ConsumedRecord[]): Promise<void>;
}

/**
 * Where a group starts on a partition. `earliest` and `latest` apply when the group has committed
 * nothing there: its first record, or its end when the subscription was made. `{timestamp}`
 * (epoch ms) means the records stamped at or after it: the group starts at the first such record
 * (the end when there is none), or at its committed position when that is further on — a position
 * before them was left by an earlier consumer of the same group name. Unlike `latest` it loses no
 * record published between the moment a consumer was asked for and the moment it subscribed.
 */
export type StartFrom = 'earliest' | 'latest' | { timestamp: number };

export interface SubscribeOptions {
  group: string;
  topics: readonly string[];
  /** Where the group starts (see StartFrom). */
  startFrom: StartFrom;
  handler: PartitionHandler;
  /** Most records per `records` call. */
  maxBatch?: number;
}

export interface Subscription {
  /**
   * Stores the group's position on a partition: the next offset it wants. Answers false, committing
   * nothing, when the partition is no longer assigned to this member (after a rebalance).
   */
  commit(partition: TopicPartition, nextOffset: number): Promise<boolean>;
  /** The group's committed position on a partition, if any. */
  committed(partition: TopicPartition): Promise<number | undefined>;
  /** Leaves the group (its partitions go to other members). */
  stop(): Promise<void>;
}

export interface TopicBus {
  /** Appends records, resolved once durable (fsynced / acknowledged by all in-sync replicas). */
  publish(topic: string, records: readonly PublishRecord[]): Promise<PublishedRecord[]>;
  /** A topic's partitions and end offsets; a topic never written has the bus's default partitions, all empty. */
  describe(topic: string): Promise<PartitionInfo[]>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}
