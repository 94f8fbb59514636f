import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logLevel } from 'kafkajs';
import { encodeSnapshot, openStateStore, type StateStore } from '@tide/core';
import { openKafkaLog, type KafkaLog } from './kafka-log.js';
import { startMockKafka, type MockKafka } from './testing.js';

// The fold on Kafka: two stores (two KafkaLog instances, as two processes would have) over one
// broker must reach the same state and the same verdicts, because they read the same order.
let kafka: MockKafka;
beforeAll(async () => {
  kafka = await startMockKafka();
}, 20_000);
afterAll(async () => {
  await kafka?.stop();
});

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of opened.reverse()) await thing.close();
  opened.length = 0;
});

async function openLog(): Promise<KafkaLog> {
  const log = await openKafkaLog({ brokers: kafka.brokers, logLevel: logLevel.NOTHING });
  opened.push(log);
  return log;
}

async function openStore(topic: string): Promise<StateStore> {
  const store = await openStateStore({ log: await openLog(), topic });
  opened.push(store);
  return store;
}

const namespace = (name: string, labels: Record<string, string> = {}) => ({ type: 'NamespaceApplied' as const, data: { name, labels, annotations: {} } });

describe('state store on Kafka', () => {
  it('rebuilds the same state in a second store on a second KafkaLog', async () => {
    const topic = `state.${randomUUID().slice(0, 8)}`;
    const first = await openStore(topic);
    for (const name of ['a', 'b', 'c']) expect((await first.append([{ ...namespace(name), expect: null }]))[0]!.verdict.accepted).toBe(true);
    const [update] = await first.append([{ ...namespace('a', { team: 'web' }), expect: 0 }]);
    expect(update!.verdict.accepted).toBe(true);

    const second = await openStore(topic);
    expect(second.state().offset).toBe(3);
    expect(second.state().namespaces.get('a')?.metadata.labels).toEqual({ team: 'web' });
    expect(encodeSnapshot(second.state())).toEqual(encodeSnapshot(first.state()));
  });

  it('accepts exactly one of two conflicting conditional appends from two stores, and both stores agree', async () => {
    const topic = `state.${randomUUID().slice(0, 8)}`;
    const a = await openStore(topic);
    const b = await openStore(topic);
    const [created] = await a.append([{ ...namespace('shared'), expect: null }]);
    await b.waitFor(created!.offset);
    const version = created!.offset;

    const [[fromA], [fromB]] = await Promise.all([
      a.append([{ ...namespace('shared', { writer: 'a' }), expect: version }]),
      b.append([{ ...namespace('shared', { writer: 'b' }), expect: version }]),
    ]);
    const verdicts = [fromA!.verdict, fromB!.verdict];
    expect(verdicts.filter((v) => v.accepted)).toHaveLength(1);
    expect(verdicts.find((v) => !v.accepted)).toMatchObject({ code: 'conflict' });

    // Each store judged both events itself, and the two judgements are the same.
    for (const offset of [fromA!.offset, fromB!.offset]) {
      expect(await a.waitFor(offset)).toEqual(await b.waitFor(offset));
    }
    const winner = fromA!.verdict.accepted ? 'a' : 'b';
    expect(a.state().namespaces.get('shared')?.metadata.labels).toEqual({ writer: winner });
    expect(encodeSnapshot(a.state())).toEqual(encodeSnapshot(b.state()));
  });
});
