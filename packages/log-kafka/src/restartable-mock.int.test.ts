import { describe, expect, it } from 'vitest';
import { logLevel } from 'kafkajs';
import { openKafkaLog } from './kafka-log.js';
import { startRestartableMockKafka } from './restartable-mock.js';

describe('startRestartableMockKafka', () => {
  it('serves a fresh, empty cluster at the same addresses after a restart, and refuses connections while stopped', async () => {
    const kafka = await startRestartableMockKafka({ brokers: 3 });
    const retry = { retries: 2, initialRetryTime: 50, maxRetryTime: 200 };
    try {
      const before = await openKafkaLog({ brokers: kafka.brokers, logLevel: logLevel.NOTHING, retry });
      expect(await before.append('restart.topic', [{ value: 'a' }, { value: 'b' }])).toEqual([0, 1]);
      await before.close();
      await kafka.stop();
      expect(kafka.running).toBe(false);
      await expect(openKafkaLog({ brokers: kafka.brokers, logLevel: logLevel.NOTHING, retry })).rejects.toThrow(/ECONNREFUSED|Connection error/);
      await kafka.start();
      const after = await openKafkaLog({ brokers: kafka.brokers, logLevel: logLevel.NOTHING, retry });
      expect(await after.endOffset('restart.topic')).toBe(0);
      expect(await after.append('restart.topic', [{ value: 'c' }])).toEqual([0]);
      await after.commitOffset('restart.group', 'restart.topic', 1);
      expect(await after.committedOffset('restart.group', 'restart.topic')).toBe(1);
      await after.close();
    } finally {
      await kafka.close();
    }
  }, 30_000);
});
