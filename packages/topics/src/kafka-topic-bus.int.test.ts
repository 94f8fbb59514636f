import { randomUUID } from 'node:crypto';
import { startMockKafka, type MockKafka } from '@tide/log-kafka/testing';
import { waitFor } from '@tide/testkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKafkaTopicBus, type TopicBus } from './index.js';
import { recordingHandler, topicBusContract } from './testing.js';

// One mock cluster for the file; the contract gives every test its own topics and groups.
let kafka: MockKafka;
beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 1 });
}, 20_000);
afterAll(async () => {
  await kafka?.stop();
});

// The mock completes a rebalance only when a member's session runs out (LeaveGroup or not): Kafka's
// smallest session timeout keeps each hand-over near 5 s instead of 9 s.
const open = () => openKafkaTopicBus({ brokers: kafka.brokers, sessionTimeoutMs: 6_000, heartbeatMs: 500 });

topicBusContract('kafka (librdkafka mock cluster via kcat)', async () => ({ bus: await open(), cleanup: async () => undefined }));

describe('kafka topic bus, two members in one group', () => {
  it('splits the partitions, revokes before handing over, and refuses a commit for a partition taken away', async () => {
    const bus: TopicBus = await open();
    const topic = `split.${randomUUID().slice(0, 8)}`;
    const group = `split-${randomUUID().slice(0, 8)}`;
    try {
      const a = recordingHandler('a');
      const sa = await bus.subscribe({ group, topics: [topic], startFrom: 'earliest', handler: a });
      await waitFor(() => a.holding.size === 4, { what: 'a to hold all 4 partitions' });
      const b = recordingHandler('b');
      await bus.subscribe({ group, topics: [topic], startFrom: 'earliest', handler: b });
      await waitFor(() => b.holding.size > 0 && a.holding.size + b.holding.size === 4, { what: 'the group to split the partitions', timeoutMs: 60_000 });
      const lost = [0, 1, 2, 3].find((p) => !a.holding.has(`${topic}/${p}`))!;
      expect(a.events).toContain('a revoked 4');
      expect(await sa.commit({ topic, partition: lost }, 1)).toBe(false);
      expect(await sa.committed({ topic, partition: lost })).toBeUndefined();
      const kept = [0, 1, 2, 3].find((p) => a.holding.has(`${topic}/${p}`))!;
      expect(await sa.commit({ topic, partition: kept }, 0)).toBe(true);
      expect(await sa.committed({ topic, partition: kept })).toBe(0);
    } finally {
      await bus.close();
    }
  }, 90_000);
});
