import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateStore } from '@tide/core';
import { benchAcceptedToApplied, benchKafkaAppends } from './bench.js';
import { startMockKafka, type MockKafka } from './testing.js';

// The benches run here only in miniature, to show they work and report sane shapes; no timing.
let kafka: MockKafka;
beforeAll(async () => {
  kafka = await startMockKafka();
}, 20_000);
afterAll(async () => {
  await kafka?.stop();
});

describe('kafka benches', () => {
  it('measures single and batched appends, the batched run group-committing', async () => {
    const { single, batched } = await benchKafkaAppends(kafka.brokers, { records: 200, appenders: 50 });
    expect(single).toMatchObject({ records: 200, appenders: 1, sends: 200 });
    expect(batched.records).toBe(200);
    expect(batched.sends).toBeLessThan(200);
    expect(batched.eventsPerSecond).toBeGreaterThan(0);
  });

  it('measures commands from one store folded by the others', async () => {
    const result = await benchAcceptedToApplied(kafka.brokers, {
      openStateStore,
      command: (i) => ({ type: 'NamespaceApplied', data: { name: `bench-${i}`, labels: {}, annotations: {} }, expect: null }),
      commands: 5,
      followers: 2,
    });
    expect(result).toMatchObject({ commands: 5, followers: 2 });
    expect(result.acceptedMs.p50).toBeGreaterThan(0);
    expect(Number.isFinite(result.appliedMs.max)).toBe(true);
  });
});
