/**
 * A kafkajs Cluster of our own, for the two things kafkajs' public API only does through a
 * consumer group: fetching one partition from an offset, and committing a group's offset.
 *
 * Why not a kafkajs consumer: every consumer joins a group, and a new group waits out the broker's
 * initial rebalance delay (3 s on Kafka's default `group.initial.rebalance.delay.ms` and on the
 * librdkafka mock) before its first fetch; it has no `assign()`, so a reader of one partition
 * from one offset would pay that, plus rebalances, on every `read`. A Cluster is what kafkajs'
 * own producer, consumer and admin are built on; the client creates it through a private symbol,
 * which we look up by its description so it shares the client's brokers, retry, ssl and sasl.
 */
import type { Broker, Cluster, Kafka } from 'kafkajs';
import { KafkaInternalsError } from './errors.js';

/** kafkajs' ISOLATION_LEVEL.READ_COMMITTED: records of open or aborted transactions stay hidden. */
export const READ_COMMITTED = 1;

type ClusterFactory = (options: {
  metadataMaxAge?: number;
  allowAutoTopicCreation?: boolean;
  maxInFlightRequests?: number | null;
  instrumentationEmitter?: null;
  isolationLevel?: number;
}) => Cluster;

export function createCluster(kafka: Kafka): Cluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof factory !== 'function') throw new KafkaInternalsError('Kafka[private:Kafka:createCluster]');
  return (factory as ClusterFactory)({
    metadataMaxAge: 300_000,
    allowAutoTopicCreation: true,
    maxInFlightRequests: null,
    instrumentationEmitter: null,
    isolationLevel: READ_COMMITTED,
  });
}

/** The broker leading partition 0 of `topic`, after making sure the cluster knows the topic. */
export async function partitionLeader(cluster: Cluster, topic: string): Promise<Broker> {
  // addTargetTopic refreshes metadata when the topic is new to this cluster, which asks the
  // broker to auto-create it (a read may start before the first append).
  await cluster.addTargetTopic(topic);
  const partition = cluster.findTopicPartitionMetadata(topic).find((p) => p.partitionId === 0);
  if (partition === undefined || partition.leader === undefined || partition.leader < 0) {
    await cluster.refreshMetadata();
    throw Object.assign(new Error(`no leader known for ${topic} partition 0`), { retriable: true });
  }
  return cluster.findBroker({ nodeId: String(partition.leader) });
}
