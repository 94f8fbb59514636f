import { decodeMetricsReport, METRICS_TOPIC } from '@tide/core';
import { DIGEST_B } from '@tide/core/testing';
import { platformTopic } from '@tide/topics';
import { recordingHandler } from '@tide/topics/testing';
import { eventually } from '@tide/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../dispatcher.js';
import { createMemoryTopicBus } from './testing/memory-topic-bus.js';
import { ok, openHarness, status, type Harness } from './testing/engine-harness.js';

interface QueueBody {
  queue: string;
  messages: { id: string; timestamp: number; body: unknown; attempts: number }[];
}

const TOPIC = platformTopic('default', 'orders');
const text = (d: Delivery) => (typeof d.body === 'string' ? d.body : new TextDecoder().decode(d.body));
const queueOf = (d: Delivery) => JSON.parse(text(d)) as QueueBody;
const fastBackoff = { initialMs: 20, maxMs: 100, multiplier: 2 };

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('Kafka triggers on a topic bus', () => {
  it('delivers every record in queue batches, keeping each key in order while a tenth of first attempts fail', async () => {
    const firstSeen = new Set<string>();
    const delivered: { key: string; n: number }[] = [];
    let calls = 0;
    harness = await openHarness((d) => {
      calls++;
      const batch = queueOf(d);
      const acked: string[] = [];
      const retried: { id: string }[] = [];
      for (const m of batch.messages) {
        // Every tenth record fails its first attempt (deterministic, so the test is too).
        const body = m.body as { key: string; n: number };
        if (body.n % 10 === 3 && !firstSeen.has(m.id)) {
          firstSeen.add(m.id);
          retried.push({ id: m.id });
        } else {
          acked.push(m.id);
          delivered.push(body);
        }
      }
      return ok({ outcome: 'ok', acked, retried });
    });
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', {
      function: 'orders',
      delivery: 'handler',
      kafka: { topics: ['orders'], startFrom: 'earliest', batchSize: 10, backoff: fastBackoff, maxInFlight: 4 },
    });
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const perKey = new Map(keys.map((k) => [k, 0]));
    const records = Array.from({ length: 1000 }, (_, i) => {
      const key = keys[i % keys.length]!;
      const n = perKey.get(key)!;
      perKey.set(key, n + 1);
      return { key, value: JSON.stringify({ key, n }), headers: { 'content-type': 'application/json' } };
    });
    await harness.bus.publish(TOPIC, records);
    await harness.start();

    await eventually(() => expect(delivered).toHaveLength(1000), { timeoutMs: 30_000 });
    for (const key of keys) {
      const order = delivered.filter((d) => d.key === key).map((d) => d.n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(new Set(order).size).toBe(50);
    }
    expect(calls).toBeLessThan(1000); // batched
    expect(await harness.counted('tide_trigger_retries')).toBe(100);
    expect(await harness.counted('tide_trigger_deliveries', { outcome: 'succeeded' })).toBe(1000);
    // The journal's read position follows the commits, so a restart does not read it from the start.
    const positions = async () =>
      Promise.all([0, 1, 2, 3].map((p) => harness!.log.committedOffset(`tide-trigger.default.orders.journal.${TOPIC}.${p}`, 'tide.triggers')));
    await eventually(async () => expect((await positions()).some((p) => p !== undefined && p > 0)).toBe(true));
    expect(harness.errors).toEqual([]);
  });

  it('dead-letters a poison record with its coordinates and error, and the partition keeps flowing', async () => {
    const delivered: string[] = [];
    harness = await openHarness((d) => {
      const v = text(d);
      if (v === 'poison') return status(500, 'cannot digest');
      if (v === 'bad') return status(422, 'not an order');
      delivered.push(v);
      return ok();
    });
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', {
      function: 'orders',
      delivery: 'cloudevent',
      kafka: { topics: ['orders'], startFrom: 'earliest', maxRetries: 2, backoff: fastBackoff, deadLetterTopic: 'orders-dlq' },
    });
    await harness.bus.publish(TOPIC, [
      { key: 'a', value: 'poison', headers: { origin: 'test' } },
      { key: 'a', value: 'after-poison' },
      { key: 'b', value: 'bad' },
      { key: 'b', value: 'after-bad' },
    ]);
    await harness.start();
    await eventually(() => expect(delivered.sort()).toEqual(['after-bad', 'after-poison']), { timeoutMs: 10_000 });
    const dlq = platformTopic('default', 'orders-dlq');
    const reader = recordingHandler('dlq-reader');
    await harness.bus.subscribe({ group: 'dlq-reader', topics: [dlq], startFrom: 'earliest', handler: reader });
    await eventually(() => expect(reader.received).toHaveLength(2));
    const letters = reader.received;
    const poison = letters.find((l) => new TextDecoder().decode(l.value) === 'poison')!;
    expect(poison.key).toBe('a');
    expect(poison.headers).toMatchObject({ origin: 'test', 'tide-dlq-topic': 'orders', 'tide-dlq-offset': '0', 'tide-dlq-attempts': '3' });
    expect(poison.headers['tide-dlq-error']).toContain('500');
    expect(poison.headers['tide-dlq-partition']).toMatch(/^\d$/);
    const bad = letters.find((l) => new TextDecoder().decode(l.value) === 'bad')!;
    expect(bad.headers).toMatchObject({ 'tide-dlq-attempts': '1' });
    expect(bad.headers['tide-dlq-error']).toContain('422');
    expect(await harness.counted('tide_trigger_dead_letters')).toBe(2);
  });

  it('falls back to CloudEvents in binary mode when the module has no queue handler, carrying the trace', async () => {
    const seen: Delivery[] = [];
    harness = await openHarness((d) => {
      seen.push(d);
      return d.kind === 'queue' ? status(501, 'function has no queue handler') : ok();
    });
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', { function: 'orders', kafka: { topics: ['orders'], startFrom: 'earliest' } });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await harness.bus.publish(TOPIC, [{ key: 'k', value: '{"a":1}', headers: { 'content-type': 'application/json', traceparent, 'X-Tenant': 'acme' } }]);
    await harness.start();
    await eventually(() => expect(seen.filter((d) => d.kind === 'http')).toHaveLength(1));
    const event = seen.find((d) => d.kind === 'http')!;
    expect(event.headers).toMatchObject({
      'ce-specversion': '1.0',
      'ce-type': 'dev.tide.kafka.record',
      'ce-source': '/tide/namespaces/default/topics/orders',
      'ce-topic': 'orders',
      'ce-key': 'k',
      'ce-partitionkey': 'k',
      'ce-offset': '0',
      'ce-xtenant': 'acme',
      'content-type': 'application/json',
    });
    expect(event.headers.traceparent?.split('-')[1]).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(text(event)).toBe('{"a":1}');
    expect(harness.reports.some((r) => r.includes('no queue handler'))).toBe(true);
  });

  it('tries the queue handler again once the function has a new latest revision, after falling back to CloudEvents', async () => {
    const seen: { kind: string; text: string }[] = [];
    let hasQueueHandler = false;
    harness = await openHarness((d) => {
      if (d.kind === 'queue' && !hasQueueHandler) return status(501, 'function has no queue handler');
      seen.push({ kind: d.kind, text: d.kind === 'queue' ? String(queueOf(d).messages[0]!.body) : text(d) });
      return d.kind === 'queue' ? ok({ outcome: 'ok', acked: queueOf(d).messages.map((m) => m.id), retried: [] }) : ok();
    });
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', { function: 'orders', kafka: { topics: ['orders'], startFrom: 'earliest' } });
    await harness.start();
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'first' }]);
    await eventually(() => expect(seen).toEqual([{ kind: 'http', text: 'first' }]));
    // A deploy whose module now exports queue(): a new latest revision.
    hasQueueHandler = true;
    await harness.applyFunction('orders', { source: { artifact: DIGEST_B } });
    expect(harness.store.state().functions.get('default/orders')?.status.latestRevision).toBe('orders-00002');
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'second' }]);
    await eventually(() => expect(seen).toHaveLength(2));
    expect(seen[1]).toEqual({ kind: 'queue', text: 'second' });
  });

  it('delivers a record published right after the trigger was created, though the consumer subscribes later (startFrom latest)', async () => {
    const seen: string[] = [];
    harness = await openHarness((d) => {
      seen.push(text(d));
      return ok();
    });
    await harness.applyFunction('orders');
    const [before] = await harness.bus.publish(TOPIC, [{ key: 'k', value: 'before the trigger' }]);
    // The trigger is created in a later millisecond than that record, so the record is older than the trigger.
    const stamped = Date.now();
    for (let i = 0; i < 1_000_000 && Date.now() <= stamped; i++) await new Promise((r) => setImmediate(r));
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['orders'] } });
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'right after' }]);
    // The triggers process subscribes a moment after the user applied and published.
    await harness.start();
    await eventually(() => expect(seen).toEqual(['right after']));
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'later' }]);
    await eventually(() => expect(seen).toEqual(['right after', 'later']));
    expect(before!.offset).toBe(0);
  });

  it('starts a re-created trigger (startFrom latest) after its own creation, not where the deleted one left its group', async () => {
    const seen: string[] = [];
    harness = await openHarness((d) => {
      seen.push(text(d));
      return ok();
    });
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['orders'] } });
    await harness.start();
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'first' }]);
    await eventually(() => expect(seen).toEqual(['first']));
    const group = 'tide-trigger.default.orders';
    const p = (await harness.bus.publish(TOPIC, [{ key: 'k', value: 'second' }]))[0]!.partition;
    await eventually(async () => expect(await harness!.log.committedOffset(group, `bus.${TOPIC}.${p}`)).toBe(2));
    await harness.deleteTrigger('orders');
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'while no trigger existed' }]);
    const stamped = Date.now();
    for (let i = 0; i < 1_000_000 && Date.now() <= stamped; i++) await new Promise((r) => setImmediate(r));
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['orders'] } });
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'after re-creation' }]);
    await eventually(() => expect(seen).toContain('after re-creation'));
    expect(seen).toEqual(['first', 'second', 'after re-creation']);
  });

  it('keeps retry state across a restart: attempts go on, and a record done above the watermark is not delivered again', async () => {
    const deliveries: { value: string; attempts: number }[] = [];
    let failA = true;
    harness = await openHarness(
      (d) => {
        const batch = queueOf(d);
        const acked: string[] = [];
        const retried: { id: string }[] = [];
        for (const m of batch.messages) {
          deliveries.push({ value: String(m.body), attempts: m.attempts });
          if (m.body === 'a0' && failA) retried.push({ id: m.id });
          else acked.push(m.id);
        }
        return ok({ outcome: 'ok', acked, retried });
      },
      { bus: createMemoryTopicBus(1) },
    );
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', {
      function: 'orders',
      delivery: 'handler',
      kafka: { topics: ['orders'], startFrom: 'earliest', batchSize: 1, backoff: { initialMs: 1000, maxMs: 1000, multiplier: 1 } },
    });
    // One partition: b0 is done above a0, which waits for its retry, so the commit stays at a0.
    await harness.bus.publish(TOPIC, [
      { key: 'a', value: 'a0' },
      { key: 'b', value: 'b0' },
    ]);
    const first = await harness.start();
    await eventually(() => expect(deliveries.map((d) => d.value).sort()).toEqual(['a0', 'b0']));
    await eventually(() => expect(harness!.log.endOffset('tide.triggers')).resolves.toBe(2));
    await first.stop();

    failA = false;
    deliveries.length = 0;
    await harness.start();
    await eventually(() => expect(deliveries).toEqual([{ value: 'a0', attempts: 2 }]), { timeoutMs: 10_000 });
    expect(await harness.counted('tide_trigger_duplicates_suppressed')).toBe(1);
  });

  it('waits for the function to exist, says so once, and stops consuming when the trigger is deleted', async () => {
    const delivered: string[] = [];
    harness = await openHarness((d) => {
      delivered.push(text(d));
      return ok();
    });
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['orders'], startFrom: 'earliest' } });
    await harness.start();
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'one' }]);
    await eventually(() => expect(harness!.reports.filter((r) => r.includes('waiting for function orders'))).toHaveLength(1));
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['orders'], startFrom: 'earliest', batchSize: 5 } });
    expect(harness.reports.filter((r) => r.includes('waiting for function orders'))).toHaveLength(1);
    expect(delivered).toEqual([]);
    await harness.applyFunction('orders');
    await eventually(() => expect(delivered).toEqual(['one']));
    await harness.deleteTrigger('orders');
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'after-delete' }]);
    // A fence: a trigger started after the delete was handled, whose record arrives.
    await harness.applyTrigger('fence', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['fence'], startFrom: 'earliest' } });
    await harness.bus.publish(platformTopic('default', 'fence'), [{ key: 'k', value: 'fence' }]);
    await eventually(() => expect(delivered).toContain('fence'));
    expect(delivered).not.toContain('after-delete');
  });
  it('reports lag on tide.metrics while records wait, and once more when it is back to 0', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    harness = await openHarness(async () => {
      await released;
      return ok();
    });
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['orders'], startFrom: 'earliest' } });
    await harness.bus.publish(
      TOPIC,
      Array.from({ length: 5 }, (_, i) => ({ key: 'one-key', value: `r${i}` })),
    );
    await harness.start();
    const lags = async () => {
      const reports = [];
      for await (const r of harness!.log.read(METRICS_TOPIC, 0, { follow: false })) {
        const report = decodeMetricsReport(r.value);
        if (report?.kind === 'trigger-lag') reports.push(...report.samples);
        if (r.offset + 1 >= (await harness!.log.endOffset(METRICS_TOPIC))) break;
      }
      return reports;
    };
    await eventually(async () => expect(await lags()).toContainEqual({ namespace: 'default', name: 'orders', trigger: 'orders', lag: 5, parallelism: 1 }));
    expect(await harness.counted('tide_trigger_lag', { namespace: 'default', trigger: 'orders', topic: 'orders' })).toBe(5);
    release();
    await eventually(async () => expect((await lags()).at(-1)).toMatchObject({ trigger: 'orders', lag: 0 }));
  });

  it('stops gracefully: the call in flight finishes and is committed, so a new process does not deliver it again', async () => {
    const delivered: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    harness = await openHarness(async (d) => {
      delivered.push(text(d));
      await released;
      return ok();
    });
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['orders'], startFrom: 'earliest' } });
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'slow' }]);
    const engine = await harness.start();
    await eventually(() => expect(delivered).toEqual(['slow']));
    // Were the call abandoned rather than awaited, its commit would come too late and 'slow' would come again.
    const stopping = engine.stop();
    release();
    await stopping;
    await harness.start();
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'next' }]);
    await eventually(() => expect(delivered).toEqual(['slow', 'next']));
  });
  it('keeps retry state across a rebalance: the partition moves to another member, which goes on with the attempts', async () => {
    const deliveries: { value: string; attempts: number }[] = [];
    let failA = true;
    harness = await openHarness(
      (d) => {
        const batch = queueOf(d);
        const acked: string[] = [];
        const retried: { id: string }[] = [];
        for (const m of batch.messages) {
          deliveries.push({ value: String(m.body), attempts: m.attempts });
          if (m.body === 'a0' && failA) retried.push({ id: m.id });
          else acked.push(m.id);
        }
        return ok({ outcome: 'ok', acked, retried });
      },
      { bus: createMemoryTopicBus(1) },
    );
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', {
      function: 'orders',
      delivery: 'handler',
      kafka: { topics: ['orders'], startFrom: 'earliest', batchSize: 1, backoff: { initialMs: 1000, maxMs: 1000, multiplier: 1 } },
    });
    await harness.bus.publish(TOPIC, [
      { key: 'a', value: 'a0' },
      { key: 'b', value: 'b0' },
    ]);
    await harness.start();
    await eventually(() => expect(deliveries.map((d) => d.value).sort()).toEqual(['a0', 'b0']));
    failA = false;
    deliveries.length = 0;
    // A second member of the group: the memory bus revokes the partition from the first and gives it to the second.
    await harness.start();
    await eventually(() => expect(deliveries).toEqual([{ value: 'a0', attempts: 2 }]), { timeoutMs: 10_000 });
    expect(await harness.counted('tide_trigger_duplicates_suppressed')).toBe(1);
  });
  it('does not count a call a stop abandoned as an attempt of its record', async () => {
    const attempts: number[] = [];
    let hang = true;
    harness = await openHarness(
      (d) => {
        attempts.push(queueOf(d).messages[0]!.attempts);
        if (!hang) return ok({ outcome: 'ok', acked: [queueOf(d).messages[0]!.id], retried: [] });
        // A function that never answers: only the drain's abort ends the call.
        return new Promise((_, reject) => d.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      { drainMs: 50 },
    );
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'handler', kafka: { topics: ['orders'], startFrom: 'earliest', batchSize: 1 } });
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'stuck' }]);
    const engine = await harness.start();
    await eventually(() => expect(attempts).toEqual([1]));
    await engine.stop();
    hang = false;
    await harness.start();
    await eventually(() => expect(attempts).toEqual([1, 1]));
  });
  it('restarts the consumer when the spec changes: records after the change arrive in the new shape, none twice', async () => {
    const seen: { kind: string; text: string }[] = [];
    harness = await openHarness((d) => {
      seen.push({ kind: d.kind, text: text(d) });
      return d.kind === 'queue' ? ok({ outcome: 'ok', acked: queueOf(d).messages.map((m) => m.id), retried: [] }) : ok();
    });
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['orders'], startFrom: 'earliest' } });
    await harness.start();
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'before' }]);
    await eventually(() => expect(seen).toEqual([{ kind: 'http', text: 'before' }]));
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'handler', kafka: { topics: ['orders'], startFrom: 'earliest' } });
    await harness.bus.publish(TOPIC, [{ key: 'k', value: 'after' }]);
    await eventually(() => expect(seen.map((s) => s.kind)).toEqual(['http', 'queue']));
    expect(queueOf({ body: seen[1]!.text } as Delivery).messages.map((m) => m.body)).toEqual(['after']);
  });
  it('reads an external cluster’s topics by their own names when the trigger names brokers, and dead-letters there', async () => {
    const external = createMemoryTopicBus(2);
    const opened: string[][] = [];
    const seen: Delivery[] = [];
    harness = await openHarness(
      (d) => {
        seen.push(d);
        return text(d) === 'bad' ? status(400, 'no') : ok();
      },
      { externalBus: external, openedExternal: opened },
    );
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', {
      function: 'orders',
      delivery: 'cloudevent',
      kafka: { topics: ['legacy.orders'], brokers: ['kafka-1:9092'], startFrom: 'earliest', deadLetterTopic: 'legacy.orders.dlq' },
    });
    await external.publish('legacy.orders', [
      { key: 'k', value: 'good' },
      { key: 'k', value: 'bad' },
    ]);
    await harness.start();
    await eventually(() => expect(seen.map(text)).toEqual(['good', 'bad']));
    expect(opened).toEqual([['kafka-1:9092']]);
    expect(seen[0]!.headers).toMatchObject({ 'ce-source': '/tide/namespaces/default/triggers/orders', 'ce-topic': 'legacy.orders' });
    await eventually(async () => expect((await external.describe('legacy.orders.dlq')).reduce((n, p) => n + p.endOffset, 0)).toBe(1));
  });
  it('drops a given-up record when the trigger has no dead-letter topic, counting and reporting it, and goes on', async () => {
    const delivered: string[] = [];
    harness = await openHarness((d) => {
      if (text(d) === 'bad') return status(400, 'no');
      delivered.push(text(d));
      return ok();
    });
    await harness.applyFunction('orders');
    await harness.applyTrigger('orders', { function: 'orders', delivery: 'cloudevent', kafka: { topics: ['orders'], startFrom: 'earliest' } });
    await harness.bus.publish(TOPIC, [
      { key: 'k', value: 'bad' },
      { key: 'k', value: 'good' },
    ]);
    await harness.start();
    await eventually(() => expect(delivered).toEqual(['good']));
    expect(harness.reports.filter((r) => r.includes('dropped record orders/') && r.includes('no deadLetterTopic'))).toHaveLength(1);
    expect(await harness.counted('tide_trigger_dead_letters', { dropped: 'true' })).toBe(1);
  });
});
