import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventLogContract } from '@tide/log/testing';
import { Kafka, logLevel } from 'kafkajs';
import { openKafkaLog } from './kafka-log.js';
import { startMockKafka, type MockKafka } from './testing.js';

// One mock cluster for the file; the contract gives every test its own topics and groups.
// Without kcat, beforeAll throws "install Debian's kcat" and every case fails: CI installs it.
let kafka: MockKafka;
beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 3 });
}, 20_000);
afterAll(async () => {
  await kafka?.stop();
});

const open = () => openKafkaLog({ brokers: kafka.brokers, logLevel: logLevel.NOTHING });

eventLogContract('kafka (librdkafka mock cluster via kcat)', async () => ({
  log: await open(),
  // The broker outlives the instance: a new KafkaLog over it sees the same records and offsets.
  reopen: open,
  cleanup: async () => undefined,
}));

describe('kafka log, beyond the contract', () => {
  it('group-commits appends that queue up behind a send in flight, keeping call order', async () => {
    const log = await open();
    try {
      const topic = `group-commit.${randomUUID().slice(0, 8)}`;
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(topic, [{ value: `r${i}` }])));
      expect(results).toEqual(Array.from({ length: 100 }, (_, i) => [i]));
      const { sends, appendedRecords } = log.stats();
      expect(appendedRecords).toBe(100);
      // The first append goes alone; the 99 that queued behind it fit in one more send.
      expect(sends).toBeLessThanOrEqual(3);
    } finally {
      await log.close();
    }
  });

  it('writes every record to partition 0 of the 4 the broker auto-creates', async () => {
    const log = await open();
    const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topic = `partition0.${randomUUID().slice(0, 8)}`;
      await log.append(topic, [
        { value: 'a', key: 'k1' },
        { value: 'b', key: 'k2' },
        { value: 'c', key: 'k3' },
      ]);
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets).toHaveLength(4);
      expect(offsets.map((p) => [p.partition, Number(p.high)]).sort()).toEqual([
        [0, 3],
        [1, 0],
        [2, 0],
        [3, 0],
      ]);
    } finally {
      await admin.disconnect();
      await log.close();
    }
  });
});
