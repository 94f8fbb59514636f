/**
 * The TopicBus contract: every adapter (over the memory log, the embedded log, Kafka) runs this
 * suite against itself.
 *
 *   topicBusContract('embedded log', async () => ({ bus, cleanup }));
 *
 * `factory` runs before each test; topic and group names are unique per test, so adapters over a
 * shared broker can reuse it. Every topic has 4 partitions (the log bus's default, and what the
 * mock Kafka cluster auto-creates).
 */
import { randomUUID } from 'node:crypto';
import { waitFor } from '@tide/testkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partitionOfKey } from './murmur2.js';
import type { ConsumedRecord, PartitionHandler, SubscribeOptions, Subscription, TopicBus, TopicPartition } from './topic-bus.js';

export interface TopicBusFixture {
  bus: TopicBus;
  cleanup(): Promise<void>;
}

const WAIT_MS = 60_000;
/** A Kafka rebalance on the mock takes a session timeout, and kafkajs restarts a crashed member after a back-off. */
const TEST_MS = 120_000;
const PARTITIONS = 4;

/** A handler that records what it is told: current assignment, records, revocations. */
export interface RecordingHandler extends PartitionHandler {
  readonly received: ConsumedRecord[];
  /** Partitions currently held, as `topic/partition`. */
  readonly holding: Set<string>;
  readonly events: string[];
  texts(): string[];
}

export function recordingHandler(name = 'member'): RecordingHandler {
  const received: ConsumedRecord[] = [];
  const holding = new Set<string>();
  const events: string[] = [];
  const id = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`;
  return {
    received,
    holding,
    events,
    texts: () => received.map((r) => new TextDecoder().decode(r.value)),
    assigned(partitions) {
      for (const tp of partitions) holding.add(id(tp));
      events.push(`${name} assigned ${partitions.length}`);
    },
    async revoked(partitions) {
      for (const tp of partitions) holding.delete(id(tp));
      events.push(`${name} revoked ${partitions.length}`);
    },
    async records(batch) {
      received.push(...batch);
    },
  };
}

export function topicBusContract(name: string, factory: () => Promise<TopicBusFixture>): void {
  describe(`TopicBus contract: ${name}`, () => {
    let fixture: TopicBusFixture;
    let bus: TopicBus;
    let run: string;
    let subscriptions: Subscription[];
    const topic = (label: string) => `contract.${run}.${label}`;
    const group = (label: string) => `contract-${run}-${label}`;
    const subscribe = async (options: SubscribeOptions) => {
      const s = await bus.subscribe(options);
      subscriptions.push(s);
      return s;
    };

    beforeEach(async () => {
      fixture = await factory();
      bus = fixture.bus;
      run = randomUUID().slice(0, 8);
      subscriptions = [];
    });
    afterEach(async () => {
      for (const s of subscriptions) await s.stop().catch(() => undefined);
      await bus.close().catch(() => undefined);
      await fixture.cleanup();
    });

    it(
      'puts a key on the partition Kafka’s default partitioner picks, with dense offsets per partition',
      async () => {
        const t = topic('keys');
        const keys = Array.from({ length: 40 }, (_, i) => `person-${i}`);
        const published = await bus.publish(
          t,
          keys.map((key) => ({ key, value: key })),
        );
        expect(published.map((p) => p.partition)).toEqual(keys.map((key) => partitionOfKey(key, PARTITIONS)));
        expect(published.every((p) => p.topic === t)).toBe(true);
        for (let p = 0; p < PARTITIONS; p++) {
          const offsets = published.filter((r) => r.partition === p).map((r) => r.offset);
          expect(offsets).toEqual(offsets.map((_, i) => i));
        }
        const described = await bus.describe(t);
        expect(described).toEqual(
          Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, endOffset: published.filter((r) => r.partition === p).length })),
        );
      },
      TEST_MS,
    );

    it(
      'delivers every record with its key, value and headers, each key in publish order',
      async () => {
        const t = topic('order');
        const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
        for (let round = 0; round < 5; round++) {
          await bus.publish(
            t,
            keys.map((key) => ({ key, value: `${key}${round}`, headers: { round: String(round) } })),
          );
        }
        await bus.publish(t, [{ value: new Uint8Array([0, 255]) }]);
        const handler = recordingHandler();
        await subscribe({ group: group('g'), topics: [t], startFrom: 'earliest', handler, maxBatch: 4 });
        await waitFor(() => handler.received.length >= 31, { what: '31 records delivered', timeoutMs: WAIT_MS });
        for (const key of keys) {
          const ofKey = handler.received.filter((r) => r.key === key);
          expect(ofKey.map((r) => new TextDecoder().decode(r.value))).toEqual([0, 1, 2, 3, 4].map((i) => `${key}${i}`));
          expect(ofKey.map((r) => r.headers.round)).toEqual(['0', '1', '2', '3', '4']);
          expect(ofKey.every((r) => r.topic === t && r.partition === partitionOfKey(key, PARTITIONS))).toBe(true);
        }
        const keyless = handler.received.find((r) => r.key === null);
        expect(Array.from(keyless!.value)).toEqual([0, 255]);
        expect(handler.received.length).toBe(31);
      },
      TEST_MS,
    );

    it(
      'describes a topic never written as the default partitions, all empty',
      async () => {
        expect(await bus.describe(topic('never'))).toEqual(Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, endOffset: 0 })));
      },
      TEST_MS,
    );

    it(
      'starts a new group at the end with latest, at the beginning with earliest',
      async () => {
        const t = topic('start');
        await bus.publish(t, [{ key: 'k', value: 'old' }]);
        const latest = recordingHandler('latest');
        const earliest = recordingHandler('earliest');
        await subscribe({ group: group('latest'), topics: [t], startFrom: 'latest', handler: latest });
        await subscribe({ group: group('earliest'), topics: [t], startFrom: 'earliest', handler: earliest });
        await waitFor(() => latest.holding.size === PARTITIONS && earliest.holding.size === PARTITIONS, { what: 'both groups assigned', timeoutMs: WAIT_MS });
        await bus.publish(t, [{ key: 'k', value: 'new' }]);
        await waitFor(() => latest.received.length >= 1 && earliest.received.length >= 2, { what: 'the new record delivered to both', timeoutMs: WAIT_MS });
        expect(latest.texts()).toEqual(['new']);
        expect(earliest.texts()).toEqual(['old', 'new']);
      },
      TEST_MS,
    );

    it(
      'starts a new group at the first record of each partition stamped at or after a timestamp',
      async () => {
        const t = topic('since');
        const keys = ['a', 'b', 'c'];
        await bus.publish(
          t,
          keys.map((key) => ({ key, value: `${key}-before` })),
        );
        // A mark strictly after every record above (timestamps are whole ms): wait for the clock to pass it.
        const since = Date.now() + 1;
        for (let i = 0; i < 1_000_000 && Date.now() < since; i++) await new Promise((r) => setImmediate(r));
        // Published before the group subscribes, yet after the mark: the group must read them.
        await bus.publish(
          t,
          keys.map((key) => ({ key, value: `${key}-after` })),
        );
        const handler = recordingHandler('since');
        await subscribe({ group: group('since'), topics: [t], startFrom: { timestamp: since }, handler });
        await waitFor(() => handler.holding.size === PARTITIONS, { what: 'the group assigned', timeoutMs: WAIT_MS });
        await bus.publish(
          t,
          keys.map((key) => ({ key, value: `${key}-later` })),
        );
        await waitFor(() => handler.received.length >= 6, { what: 'the records stamped after the mark', timeoutMs: WAIT_MS });
        for (const key of keys) {
          expect(handler.received.filter((r) => r.key === key).map((r) => new TextDecoder().decode(r.value))).toEqual([`${key}-after`, `${key}-later`]);
        }
        expect(handler.received.every((r) => r.timestamp >= since)).toBe(true);
        expect(handler.received.length).toBe(6);
      },
      TEST_MS,
    );

    it(
      'skips records stamped before a timestamp even where the group committed an earlier position, and resumes a commit past them',
      async () => {
        const t = topic('since-committed');
        const g = group('g');
        const p = partitionOfKey('k', PARTITIONS);
        await bus.publish(
          t,
          ['old0', 'old1'].map((value) => ({ key: 'k', value })),
        );
        // An earlier consumer of the group name committed past old0 only.
        const earlier = recordingHandler('earlier');
        const s1 = await subscribe({ group: g, topics: [t], startFrom: 'earliest', handler: earlier });
        await waitFor(() => earlier.received.length >= 2, { what: 'the earlier member to read both', timeoutMs: WAIT_MS });
        expect(await s1.commit({ topic: t, partition: p }, 1)).toBe(true);
        await s1.stop();
        const since = Date.now() + 1;
        for (let i = 0; i < 1_000_000 && Date.now() < since; i++) await new Promise((r) => setImmediate(r));
        await bus.publish(t, [{ key: 'k', value: 'new0' }]);
        const next = recordingHandler('next');
        const s2 = await subscribe({ group: g, topics: [t], startFrom: { timestamp: since }, handler: next });
        await waitFor(() => next.received.length >= 1, { what: 'the record stamped after the mark', timeoutMs: WAIT_MS });
        expect(next.texts()).toEqual(['new0']);
        // A commit past the mark is where the group goes on.
        expect(await s2.commit({ topic: t, partition: p }, 3)).toBe(true);
        await s2.stop();
        await bus.publish(t, [{ key: 'k', value: 'new1' }]);
        const last = recordingHandler('last');
        await subscribe({ group: g, topics: [t], startFrom: { timestamp: since }, handler: last });
        await waitFor(() => last.received.length >= 1, { what: 'the record after the commit', timeoutMs: WAIT_MS });
        expect(last.texts()).toEqual(['new1']);
      },
      TEST_MS,
    );

    it(
      'stores commits, and a new subscription of the group resumes from its committed position',
      async () => {
        const t = topic('resume');
        await bus.publish(
          t,
          ['r0', 'r1', 'r2', 'r3'].map((value) => ({ key: 'k', value })),
        );
        const p = partitionOfKey('k', PARTITIONS);
        const first = recordingHandler('first');
        const s1 = await subscribe({ group: group('g'), topics: [t], startFrom: 'earliest', handler: first });
        await waitFor(() => first.received.length >= 4, { what: 'the first member to read 4 records', timeoutMs: WAIT_MS });
        expect(await s1.committed({ topic: t, partition: p })).toBeUndefined();
        expect(await s1.commit({ topic: t, partition: p }, 2)).toBe(true);
        expect(await s1.committed({ topic: t, partition: p })).toBe(2);
        await s1.stop();
        const second = recordingHandler('second');
        const s2 = await subscribe({ group: group('g'), topics: [t], startFrom: 'latest', handler: second });
        await waitFor(() => second.received.length >= 2, { what: 'the second member to read from offset 2', timeoutMs: WAIT_MS });
        expect(second.texts()).toEqual(['r2', 'r3']);
        expect(await s2.committed({ topic: t, partition: p })).toBe(2);
      },
      TEST_MS,
    );

    it(
      'gives a stopped member’s partitions to the next member, and refuses its commits after',
      async () => {
        const t = topic('handover');
        const g = group('g');
        const a = recordingHandler('a');
        const sa = await subscribe({ group: g, topics: [t], startFrom: 'earliest', handler: a });
        await waitFor(() => a.holding.size === PARTITIONS, { what: 'a to hold every partition', timeoutMs: WAIT_MS });
        const b = recordingHandler('b');
        await subscribe({ group: g, topics: [t], startFrom: 'earliest', handler: b });
        await sa.stop();
        await waitFor(() => b.holding.size === PARTITIONS, { what: 'b to hold every partition', timeoutMs: WAIT_MS });
        expect(a.holding.size).toBe(0);
        expect(await sa.commit({ topic: t, partition: 0 }, 1)).toBe(false);
        expect(await sa.committed({ topic: t, partition: 0 })).toBeUndefined();
        await bus.publish(t, [{ key: 'k', value: 'after' }]);
        await waitFor(() => b.received.length >= 1, { what: 'b to read the record published after the handover', timeoutMs: WAIT_MS });
        expect(b.texts()).toEqual(['after']);
      },
      TEST_MS,
    );

    it(
      'offers a batch the handler rejected again, in order, and goes on after it',
      async () => {
        const t = topic('rejected');
        await bus.publish(
          t,
          ['r0', 'r1', 'r2'].map((value) => ({ key: 'one', value })),
        );
        const taken: string[] = [];
        let rejections = 0;
        const handler: PartitionHandler = {
          assigned() {},
          async revoked() {},
          async records(batch) {
            if (rejections++ === 0) throw new Error('not ready yet');
            taken.push(...batch.map((r) => new TextDecoder().decode(r.value)));
          },
        };
        await subscribe({ group: group('g'), topics: [t], startFrom: 'earliest', handler });
        await waitFor(() => taken.length >= 3, { what: 'the rejected records taken on the next offer', timeoutMs: WAIT_MS });
        await bus.publish(t, [{ key: 'one', value: 'r3' }]);
        await waitFor(() => taken.length >= 4, { what: 'a record after them', timeoutMs: WAIT_MS });
        expect(taken).toEqual(['r0', 'r1', 'r2', 'r3']);
      },
      TEST_MS,
    );

    it(
      'takes records only as fast as the handler resolves (back-pressure), in order per partition',
      async () => {
        const t = topic('pressure');
        await bus.publish(
          t,
          Array.from({ length: 30 }, (_, i) => ({ key: 'one', value: `v${i}` })),
        );
        const seen: string[] = [];
        let inCall = 0;
        let overlapped = false;
        let release: (() => void) | undefined;
        let calls = 0;
        const handler: PartitionHandler = {
          assigned() {},
          async revoked() {},
          async records(batch) {
            if (++inCall > 1) overlapped = true;
            seen.push(...batch.map((r) => new TextDecoder().decode(r.value)));
            if (++calls === 1) await new Promise<void>((r) => (release = r));
            inCall--;
          },
        };
        await subscribe({ group: group('g'), topics: [t], startFrom: 'earliest', handler, maxBatch: 5 });
        await waitFor(() => release, { what: 'the first batch', timeoutMs: WAIT_MS });
        await bus.publish(t, [{ key: 'one', value: 'v30' }]);
        // The first call has not resolved: no second call may come, whatever has arrived since.
        expect(seen.length).toBeLessThanOrEqual(5);
        expect(calls).toBe(1);
        release!();
        await waitFor(() => seen.length >= 31, { what: 'every record', timeoutMs: WAIT_MS });
        expect(seen).toEqual(Array.from({ length: 31 }, (_, i) => `v${i}`));
        expect(overlapped).toBe(false);
      },
      TEST_MS,
    );
  });
}
