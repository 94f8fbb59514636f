import { connect, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLevel, type ISocketFactory, type RetryOptions } from 'kafkajs';
import { InvalidTopicError, LogRewoundError, type LogRecord } from '@tide/log';
import { openKafkaLog, type KafkaLog } from './kafka-log.js';
import { KafkaLogClosedError, KafkaLogError, KafkaUnreachableError } from './errors.js';
import { startMockKafka, startRestartableMockKafka, type MockKafka } from './testing.js';
import type { ConnectivityChange } from './connectivity.js';

let kafka: MockKafka;
beforeAll(async () => {
  kafka = await startMockKafka();
}, 20_000);
afterAll(async () => {
  await kafka?.stop();
});

const topic = () => `failures.${randomUUID().slice(0, 8)}`;
const text = (r: LogRecord) => Buffer.from(r.value).toString('utf8');

/**
 * kafkajs' plain socket factory, remembering every socket so a test can cut them all the way a
 * crashing broker does: a reset (an 'error' event), not a silent local destroy.
 */
function cuttableSockets(): { factory: ISocketFactory; cutAll(): number; setDown(down: boolean): void } {
  const sockets = new Set<Socket>();
  let down = false;
  return {
    setDown: (value) => {
      down = value;
    },
    factory: ({ host, port, onConnect }) => {
      // While down, connections are refused as by a stopped broker (nothing listens on port 1).
      const socket = down ? connect({ host: '127.0.0.1', port: 1 }) : connect({ host, port }, onConnect);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      return socket;
    },
    cutAll() {
      const count = sockets.size;
      for (const socket of sockets) socket.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      return count;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A log on the mock whose connections the test can cut and refuse, tailing a fresh topic. */
async function cuttableLog(retry: RetryOptions) {
  const sockets = cuttableSockets();
  const log = await openKafkaLog({ brokers: kafka.brokers, logLevel: logLevel.NOTHING, socketFactory: sockets.factory, retry });
  const t = topic();
  return { sockets, log, t, reader: tail(log, t) };
}

/** Tails a topic from offset 0 until stopped; `ended` settles with the error that ended the read, if any. */
function tail(log: KafkaLog, t: string) {
  const controller = new AbortController();
  const records: LogRecord[] = [];
  const ended = (async () => {
    for await (const record of log.read(t, 0, { signal: controller.signal })) records.push(record);
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
  return {
    records,
    texts: () => records.map(text),
    async stop() {
      controller.abort();
      await ended;
    },
    ended,
  };
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('kafka log under failures', () => {
  it('resumes a tailing read after every connection is cut (as a broker restart does), losing and repeating nothing', async () => {
    const { sockets, log, t, reader } = await cuttableLog({ initialRetryTime: 50, retries: 8 });
    const received = reader.records;
    try {
      await log.append(t, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
      await waitUntil(() => received.length === 3, 'the first three records arrived');
      expect(sockets.cutAll()).toBeGreaterThan(0);
      await log.append(t, [{ value: 'd' }]);
      await log.append(t, [{ value: 'e' }, { value: 'f' }]);
      await waitUntil(() => received.length >= 6, 'the reader resumed');
      await new Promise((r) => setTimeout(r, 300)); // a repeat would arrive now
      expect(received.map((r) => [r.offset, text(r)])).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((v, i) => [i, v]));
    } finally {
      await reader.stop();
      await log.close();
    }
  });

  it("keeps a tailing read alive through an outage longer than kafkajs' own retries", async () => {
    // kafkajs gives up after ~100 ms here; the outage lasts 1.5 s.
    const { sockets, log, t, reader } = await cuttableLog({ retries: 1, initialRetryTime: 20, maxRetryTime: 100 });
    try {
      await log.append(t, [{ value: 'before' }]);
      await waitUntil(() => reader.records.length === 1, 'the first record arrived');
      sockets.setDown(true);
      sockets.cutAll();
      await new Promise((r) => setTimeout(r, 1_500));
      sockets.setDown(false);
      await log.append(t, [{ value: 'after' }]);
      await waitUntil(() => reader.records.length === 2, 'the reader came back');
      expect(reader.texts()).toEqual(['before', 'after']);
    } finally {
      await reader.stop();
      await log.close();
    }
  });

  for (const refilled of [false, true]) {
    it(`tells a tailing reader that a restarted cluster lost what it read (${refilled ? 'refilled past it' : 'empty'}), reporting the outage and the recovery once each`, async () => {
      const kafka = await startRestartableMockKafka();
      const changes: ConnectivityChange[] = [];
      const retry = { retries: 2, initialRetryTime: 50, maxRetryTime: 200 };
      const log = await openKafkaLog({ brokers: kafka.brokers, logLevel: logLevel.NOTHING, retry, onConnectivity: (c) => changes.push(c) });
      const t = topic();
      const reader = tail(log, t);
      try {
        await log.append(t, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
        await waitUntil(() => reader.records.length === 3, 'the first records arrived');
        await kafka.stop();
        await waitUntil(() => changes.length === 1, 'the outage was reported');
        await kafka.start();
        // Records at the offsets the reader already had, but not the same ones.
        if (refilled) await log.append(t, [{ value: 'x' }, { value: 'y' }, { value: 'z' }, { value: 'w' }]);
        const error = await reader.ended;
        expect(error).toBeInstanceOf(LogRewoundError);
        expect((error as LogRewoundError).message).toMatch(
          new RegExp(`the log ${t} at 127\\.0\\.0\\.1:\\d+.* no longer holds what was read from it: this reader had reached offset 3`),
        );
        expect(reader.texts()).toEqual(['a', 'b', 'c']);
        await waitUntil(() => changes.length === 2, 'the recovery was reported');
        expect(changes[0]).toMatchObject({ reachable: false, error: expect.stringMatching(/ECONNREFUSED|Closed connection|Connection error/) });
        expect(changes[1]).toMatchObject({ reachable: true });
        expect(log.connectivity().reachable).toBe(true);
      } finally {
        await log.close();
        await kafka.close();
      }
    }, 30_000);
  }

  it('fails a new append at once once the cluster has been unreachable for a while, and appends again as soon as it is back', async () => {
    const kafka = await startRestartableMockKafka();
    const retry = { retries: 2, initialRetryTime: 50, maxRetryTime: 200 };
    const log = await openKafkaLog({ brokers: kafka.brokers, logLevel: logLevel.NOTHING, retry });
    const t = topic();
    try {
      await log.append(t, [{ value: 'a' }]);
      await kafka.stop();
      // The first append of the outage rides on kafkajs' retries and fails: now the outage is known.
      await expect(log.append(t, [{ value: 'b' }])).rejects.toBeInstanceOf(KafkaLogError);
      expect(log.connectivity().reachable).toBe(false);
      await sleep(1_100); // past failFastAfterMs (1 s): waits out the product's own threshold, which load only lengthens
      const error = await log.append(t, [{ value: 'c' }]).then(
        () => undefined,
        (e: unknown) => e,
      );
      // Failed fast, not after kafkajs' retries: the message and the KafkaUnreachableError cause say so (no timing asserted).
      expect(error).toBeInstanceOf(KafkaLogError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^kafka append on ${t} via 127\\.0\\.0\\.1:\\d+.* failed: the cluster has been unreachable for \\d+\\.\\d s, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(.*(ECONNREFUSED|Connection error|Closed connection)`,
        ),
      );
      expect((error as KafkaLogError).cause).toBeInstanceOf(KafkaUnreachableError);
      await kafka.start();
      // Nothing reads: the refused appends themselves probe the cluster, so one soon goes through.
      const backAt = Date.now();
      let offsets: number[] | undefined;
      while (offsets === undefined) {
        offsets = await log.append(t, [{ value: 'd' }]).catch(async (e: unknown) => {
          if (Date.now() - backAt > 3_000) throw e;
          await sleep(50);
          return undefined;
        });
      }
      expect(offsets).toEqual([0]); // the restarted mock starts empty
      expect(log.connectivity().reachable).toBe(true);
      expect(await log.append(t, [{ value: 'e' }])).toEqual([1]);
    } finally {
      await log.close();
      await kafka.close();
    }
  }, 30_000);

  it('lets appends made before failing fast began, and short blips, ride on retries; a reader that reconnects ends failing fast', async () => {
    // kafkajs keeps retrying an append for ~2.5 s here; the outage lasts ~1.5 s.
    const { sockets, log, t, reader } = await cuttableLog({ retries: 10, initialRetryTime: 100, maxRetryTime: 300 });
    try {
      await log.append(t, [{ value: 'before' }]);
      await waitUntil(() => reader.records.length === 1, 'the first record arrived');
      sockets.setDown(true);
      sockets.cutAll();
      await waitUntil(() => !log.connectivity().reachable, 'the reader noticed the outage');
      const early = log.append(t, [{ value: 'early' }]); // within failFastAfterMs: kafkajs retries it
      await sleep(1_100);
      // Only failing fast says "has been unreachable for": kafkajs' own retries end in another error (no timing asserted).
      await expect(log.append(t, [{ value: 'refused' }])).rejects.toThrow(/has been unreachable for/);
      sockets.setDown(false);
      expect(await early).toEqual([1]);
      expect(await log.append(t, [{ value: 'after' }])).toEqual([2]);
      await waitUntil(() => reader.records.length === 3, 'the reader came back');
      expect(reader.texts()).toEqual(['before', 'early', 'after']);
    } finally {
      await reader.stop();
      await log.close();
    }
  }, 30_000);

  it('refuses a topic name Kafka cannot hold, naming it', async () => {
    const log = await openKafkaLog({ brokers: kafka.brokers, logLevel: logLevel.NOTHING });
    try {
      await expect(log.append('no spaces/allowed', [{ value: 'x' }])).rejects.toBeInstanceOf(InvalidTopicError);
      await expect(log.endOffset('')).rejects.toThrow(/invalid topic name ""/);
    } finally {
      await log.close();
    }
  });

  it('refuses appends, commits and reads after close', async () => {
    const log = await openKafkaLog({ brokers: kafka.brokers, logLevel: logLevel.NOTHING });
    await log.close();
    await expect(log.append(topic(), [{ value: 'x' }])).rejects.toBeInstanceOf(KafkaLogClosedError);
    await expect(log.commitOffset('g', topic(), 1)).rejects.toThrow(/is closed; commitOffset refused/);
    await expect(log.read(topic(), 0)[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(KafkaLogClosedError);
  });

  it('fails to open against an unreachable cluster with an error that names the brokers', async () => {
    const brokers = ['127.0.0.1:1'];
    const opening = openKafkaLog({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 20, maxRetryTime: 200 } });
    await expect(opening).rejects.toBeInstanceOf(KafkaLogError);
    await expect(opening).rejects.toThrow(/kafka connect via 127\.0\.0\.1:1 failed/);
  });
});
