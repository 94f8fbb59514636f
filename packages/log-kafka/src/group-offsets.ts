/**
 * Consumer-group offsets used as bookkeeping: `commitOffset` writes a group's position for
 * partition 0 without the group ever having members, as Kafka allows for an empty group
 * (generation -1, no member id). kafkajs' `admin.setOffsets` would do the same but first asks
 * DescribeGroups, which the librdkafka mock does not serve, and a kafkajs consumer would join the
 * group (3 s initial rebalance delay) and auto-commit by default (design §4's trap).
 * A group that a real consumer is running in rejects these commits: its offsets are its own.
 */
import type { Admin, Cluster } from 'kafkajs';

const ATTEMPTS = 6;

export async function commitGroupOffset(cluster: Cluster, group: string, topic: string, offset: number): Promise<void> {
  await retrying(async () => {
    await cluster.addTargetTopic(topic);
    const coordinator = await cluster.findGroupCoordinator({ groupId: group });
    await coordinator.offsetCommit({
      groupId: group,
      groupGenerationId: -1,
      memberId: '',
      topics: [{ topic, partitions: [{ partition: 0, offset: String(offset) }] }],
    });
  }, cluster);
}

export async function fetchGroupOffset(admin: Admin, group: string, topic: string): Promise<number | undefined> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const partition0 = offsets?.partitions.find((p) => p.partition === 0);
  // kafkajs reports "never committed" as offset -1.
  if (partition0 === undefined || Number(partition0.offset) < 0) return undefined;
  return Number(partition0.offset);
}

/** Retries what kafkajs marks retriable (coordinator moved or loading, connection lost). */
async function retrying(action: () => Promise<void>, cluster: Cluster): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if ((error as { retriable?: unknown }).retriable !== true || attempt >= ATTEMPTS) throw error;
      await cluster.refreshMetadata().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}
