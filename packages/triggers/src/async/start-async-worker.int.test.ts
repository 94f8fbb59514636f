import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import {
  ACTIVATIONS_TOPIC,
  decodeActivationRecord,
  decodeMetricsReport,
  encodeActivationRecord,
  encodeAsyncInvocation,
  INVOCATIONS_TOPIC,
  METRICS_TOPIC,
  systemClock,
  type ActivationRecord,
  type AsyncInvocation,
  type AsyncSpec,
  type StateStore,
} from '@tide/core';
import { type EventLog, openEmbeddedLog } from '@tide/log';
import type { PublishRecord, TopicBus } from '@tide/topics';
import { eventually } from '@tide/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, DeliveryResult } from '../dispatcher.js';
import type { EngineDeps } from '../engine.js';
import { ASYNC_GROUP, runAsyncWorker, type AsyncWorker } from './start-async-worker.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function embeddedLog(): Promise<EventLog> {
  const dir = await mkdtemp(join(tmpdir(), 'tide-async-worker-'));
  const log = await openEmbeddedLog(dir, { fsync: false });
  cleanups.push(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  return log;
}

/** A state with one function `default/hello` whose spec.async is given. */
function storeWith(policy: Partial<AsyncSpec> | undefined): StateStore {
  const fn = { spec: policy === undefined ? {} : { async: { maxRetries: 2, retryDelaySeconds: 0.01, maxEventAgeSeconds: 21_600, ...policy } } };
  return { state: () => ({ functions: { get: (key: string) => (key === 'default/hello' ? fn : undefined) } }) } as unknown as StateStore;
}

interface Harness {
  log: EventLog;
  deliveries: Delivery[];
  published: { topic: string; records: readonly PublishRecord[] }[];
  lines: string[];
  deps: EngineDeps;
  start(): Promise<AsyncWorker>;
}

async function harness(
  answers: (delivery: Delivery, attempt: number) => DeliveryResult | Error,
  policy?: Partial<AsyncSpec>,
  log?: EventLog,
): Promise<Harness> {
  const theLog = log ?? (await embeddedLog());
  const deliveries: Delivery[] = [];
  const published: Harness['published'] = [];
  const lines: string[] = [];
  const bus = { publish: async (topic: string, records: readonly PublishRecord[]) => (published.push({ topic, records }), []) } as unknown as TopicBus;
  const deps: EngineDeps = {
    store: storeWith(policy),
    log: theLog,
    bus,
    openExternalBus: () => Promise.reject(new Error('no external bus here')),
    dispatcher: {
      deliver: async (delivery) => {
        deliveries.push(delivery);
        const answer = answers(delivery, deliveries.filter((d) => d.headers['x-request-id'] === delivery.headers['x-request-id']).length);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
    clock: systemClock,
    meter: metrics.getMeter('test'),
    identity: 'worker-test',
    report: (line) => lines.push(line),
    onError: (error) => lines.push(`error: ${error.message}`),
  };
  return {
    log: theLog,
    deliveries,
    published,
    lines,
    deps,
    start: async () => {
      const worker = await runAsyncWorker(deps, { maxConcurrent: 4 });
      cleanups.push(() => worker.stop());
      return worker;
    },
  };
}

const ok = (status: number, body = 'done'): DeliveryResult => ({
  status,
  headers: { 'content-type': 'text/plain' },
  body: new TextEncoder().encode(body),
  noHandler: false,
});

function call(id: string, over: Partial<AsyncInvocation> = {}): AsyncInvocation {
  return {
    kind: 'async-invocation',
    id,
    namespace: 'default',
    function: 'hello',
    method: 'POST',
    path: '/work?x=1',
    headers: { 'x-custom': 'y' },
    body: Buffer.from(`body of ${id}`).toString('base64'),
    receivedAt: Date.now(),
    ...over,
  };
}

async function enqueue(log: EventLog, ...calls: AsyncInvocation[]) {
  await log.append(
    INVOCATIONS_TOPIC,
    calls.map((c) => ({ key: `${c.namespace}/${c.function}`, value: encodeAsyncInvocation(c) })),
  );
}

async function latest(log: EventLog): Promise<Map<string, ActivationRecord>> {
  const out = new Map<string, ActivationRecord>();
  for await (const entry of log.read(ACTIVATIONS_TOPIC, 0, { follow: false })) {
    const record = decodeActivationRecord(entry.value);
    if (record) out.set(record.id, record);
  }
  return out;
}

async function callbackServer(): Promise<{ url: string; received: ActivationRecord[] }> {
  const received: ActivationRecord[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString()) as ActivationRecord);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`, received };
}

describe('the async worker', () => {
  it('delivers a call as sent, records it succeeded, posts the result to the callback once and commits past it', async () => {
    const h = await harness(() => ok(200, 'the result'));
    const cb = await callbackServer();
    await enqueue(h.log, call('a1', { callbackUrl: cb.url, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }));
    const worker = await h.start();
    await eventually(() => expect(cb.received).toHaveLength(1));
    const record = (await eventually(async () => {
      const r = (await latest(h.log)).get('a1');
      expect(r?.callback).toBe('delivered');
      return r;
    }))!;
    expect(record).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      result: { status: 200, body: 'the result', encoding: 'utf8' },
    });
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
    expect(cb.received[0]).toMatchObject({ id: 'a1', status: 'succeeded', result: { status: 200, body: 'the result' } });
    const [delivery] = h.deliveries;
    expect(delivery).toMatchObject({ namespace: 'default', function: 'hello', kind: 'http', method: 'POST', path: '/work?x=1' });
    expect(Buffer.from(delivery!.body as Uint8Array).toString()).toBe('body of a1');
    expect(delivery!.headers['x-custom']).toBe('y');
    expect(delivery!.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    await worker.stop();
    expect(h.lines.filter((l) => l.startsWith('error'))).toEqual([]);
    expect(await h.log.committedOffset(ASYNC_GROUP, INVOCATIONS_TOPIC)).toBe(1);
  });

  it('retries 5xx, 429 and no answer with back-off, then succeeds', async () => {
    const h = await harness((_d, attempt) => (attempt === 1 ? ok(503) : attempt === 2 ? new Error('socket hang up') : attempt === 3 ? ok(429) : ok(200)), {
      maxRetries: 5,
    });
    await enqueue(h.log, call('r1'));
    await h.start();
    await eventually(async () => expect((await latest(h.log)).get('r1')).toMatchObject({ status: 'succeeded', attempts: 4 }));
  });

  it('fails a 4xx at once, keeping the answer as the result', async () => {
    const h = await harness(() => ok(400, 'bad input'));
    await enqueue(h.log, call('f1'));
    await h.start();
    await eventually(async () =>
      expect((await latest(h.log)).get('f1')).toMatchObject({ status: 'failed', attempts: 1, result: { status: 400, body: 'bad input' } }),
    );
  });

  it('dead-letters after maxRetries to the namespace topic, with the reason', async () => {
    const h = await harness(() => ok(500, 'boom'), { maxRetries: 1, deadLetterTopic: 'failed-calls' });
    await enqueue(h.log, call('d1'));
    await h.start();
    await eventually(async () =>
      expect((await latest(h.log)).get('d1')).toMatchObject({
        status: 'dead-lettered',
        attempts: 2,
        error: expect.stringMatching(/2 failed attempts, the last: status 500/),
      }),
    );
    expect(h.published).toHaveLength(1);
    expect(h.published[0]!.topic).toBe('default.failed-calls');
    expect(JSON.parse(String(h.published[0]!.records[0]!.value))).toMatchObject({ activationId: 'd1', attempts: 2, invocation: { id: 'd1' } });
  });

  it('does not run again a call whose activation had already ended before a restart, and counts it', async () => {
    const h = await harness(() => ok(200));
    const ended: ActivationRecord = {
      kind: 'activation',
      id: 'e1',
      namespace: 'default',
      function: 'hello',
      status: 'succeeded',
      attempts: 1,
      queuedAt: 1,
      updatedAt: 2,
    };
    await h.log.append(ACTIVATIONS_TOPIC, [{ key: 'e1', value: encodeActivationRecord(ended) }]);
    await enqueue(h.log, call('e1'), call('e2'));
    const worker = await h.start();
    await eventually(async () => expect((await latest(h.log)).get('e2')?.status).toBe('succeeded'));
    expect(h.deliveries.map((d) => d.headers['x-request-id'])).toEqual(['e2']);
    expect(worker.skippedEnded).toBe(1);
  });

  it('reports the backlog per function as trigger lag while calls wait', async () => {
    const h = await harness(() => ok(503), { maxRetries: 10, retryDelaySeconds: 0.5 });
    await enqueue(h.log, call('l1'), call('l2'));
    await h.start();
    const report = await eventually(
      async () => {
        for await (const entry of h.log.read(METRICS_TOPIC, 0, { follow: false })) {
          const r = decodeMetricsReport(entry.value);
          if (r?.kind === 'trigger-lag') return r;
        }
        throw new Error('no lag report yet');
      },
      { timeoutMs: 5_000 },
    );
    expect(report.samples).toEqual([{ namespace: 'default', name: 'hello', trigger: 'async', lag: 2, parallelism: 2 }]);
  });

  it('leaves a call waiting to retry uncommitted at stop, and after a restart goes on from its attempts', async () => {
    let healthy = false;
    const h = await harness(() => (healthy ? ok(200) : ok(503)), { maxRetries: 5, retryDelaySeconds: 30 });
    await enqueue(h.log, call('s1'), call('s2'));
    const first = await h.start();
    await eventually(async () => {
      const records = await latest(h.log);
      expect([records.get('s1')?.status, records.get('s2')?.status]).toEqual(['retrying', 'retrying']);
    });
    await first.stop();
    expect(await h.log.committedOffset(ASYNC_GROUP, INVOCATIONS_TOPIC)).toBeUndefined();

    healthy = true;
    const second = await h.start();
    await eventually(async () => {
      const records = await latest(h.log);
      expect(records.get('s1')).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(records.get('s2')).toMatchObject({ status: 'succeeded', attempts: 2 });
    });
    await second.stop();
    expect(await h.log.committedOffset(ASYNC_GROUP, INVOCATIONS_TOPIC)).toBe(2);
  });

  it("does not spend a call's retries while the gateway has no pod for it (503/429 of the gateway's own: throttled, as Lambda's)", async () => {
    const noPod: DeliveryResult = {
      status: 503,
      headers: { 'tide-error': 'gateway', 'retry-after': '1' },
      body: new TextEncoder().encode('{"error":"no pod"}'),
      noHandler: false,
    };
    const h = await harness((_d, attempt) => (attempt <= 3 ? noPod : ok(200)), { maxRetries: 1 });
    await enqueue(h.log, call('t1'));
    await h.start();
    await eventually(async () => expect((await latest(h.log)).get('t1')).toMatchObject({ status: 'succeeded', attempts: 4 }));
  });

  it('spends retries when the gateway says the function has no pod that can serve because its pods fail', async () => {
    const failing: DeliveryResult = {
      status: 503,
      headers: { 'tide-error': 'gateway' },
      body: new TextEncoder().encode('{"error":"function default/hello has no pod that can serve: pod hello-00001-x exited: import failed"}'),
      noHandler: false,
    };
    const h = await harness(() => failing, { maxRetries: 1 });
    await enqueue(h.log, call('p1'));
    await h.start();
    await eventually(async () => expect((await latest(h.log)).get('p1')).toMatchObject({ status: 'dead-lettered', attempts: 2 }));
  });
});
