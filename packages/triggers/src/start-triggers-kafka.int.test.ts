import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '@tide/log-kafka/testing';
import { eventually } from '@tide/testkit/testing';
import type { EngineDeps } from './engine.js';
import type { TriggerEngine } from './engines.js';
import { startTriggers, type RunningTriggers } from './start-triggers.js';

// One mock cluster (kcat's librdkafka mock) for the file.
let kafka: MockKafka;
beforeAll(async () => {
  kafka = await startMockKafka({ brokers: 1 });
}, 20_000);
afterAll(async () => {
  await kafka?.stop();
});

describe('startTriggers on Kafka', () => {
  it("runs topic engines on every process, leader-only ones on one, each on the cluster's own bus", async () => {
    const running = new Map<string, EngineDeps>();
    const engine = (name: string, leaderOnly: boolean): TriggerEngine => ({
      name,
      leaderOnly,
      async start(deps) {
        running.set(`${name}@${deps.identity}`, deps);
        return { stop: async () => void running.delete(`${name}@${deps.identity}`) };
      },
    });
    const engines = [engine('kafka', false), engine('cron', true)];
    const processes: RunningTriggers[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        processes.push(
          await startTriggers({
            log: { source: { kind: 'kafka', brokers: kafka.brokers } },
            gatewayUrl: 'http://gateway.invalid',
            engines,
            report: () => {},
            dispatcher: { deliver: async () => ({ status: 200, headers: {}, body: new Uint8Array(), noHandler: false }) },
            leadership: { graceMs: 2_000, renewMs: 100 },
          }),
        );
      }
      const named = (name: string) => [...running.keys()].filter((k) => k.startsWith(`${name}@`));
      await eventually(() => expect(named('cron')).toHaveLength(1), { timeoutMs: 15_000, intervalMs: 20 });
      expect(named('kafka')).toHaveLength(2);
      // The bus an engine is given is the cluster's: a record published through one is there for the other.
      const [first, second] = named('kafka').map((k) => running.get(k)!);
      const [published] = await first!.bus.publish('default.orders', [{ key: 'k1', value: 'hello' }]);
      const partitions = await second!.bus.describe('default.orders');
      expect(partitions.find((p) => p.partition === published!.partition)!.endOffset).toBeGreaterThan(published!.offset);
    } finally {
      for (const p of processes) await p.stop();
    }
    expect(running.size).toBe(0);
  }, 60_000);
});
