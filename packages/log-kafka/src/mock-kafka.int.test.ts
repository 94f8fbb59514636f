import { describe, expect, it } from 'vitest';
import { kcatAvailable, startMockKafka } from './mock-kafka.js';

describe('startMockKafka', () => {
  it('serves a cluster with the number of brokers asked for, and stops it', async () => {
    const kafka = await startMockKafka({ brokers: 2 });
    expect(kafka.brokers).toHaveLength(2);
    for (const broker of kafka.brokers) expect(broker).toMatch(/^127\.0\.0\.1:\d+$/);
    await kafka.stop();
    expect(() => process.kill(kafka.pid, 0)).toThrow();
  });

  it("says to install Debian's kcat when it is missing", async () => {
    expect(kcatAvailable('/nonexistent/kcat')).toBe(false);
    await expect(startMockKafka({ command: '/nonexistent/kcat' })).rejects.toThrow(/not found; install Debian's kcat/);
  });
});
