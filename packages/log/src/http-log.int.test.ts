import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventually } from '@tide/testkit/testing';
import type { EventLog, LogRecord } from './event-log.js';
import { LogRewoundError } from './errors.js';
import { openHttpLog } from './http-log.js';
import { createMemoryLog, type MemoryLog } from './memory-log.js';
import { eventLogContract } from './testing.js';

/**
 * A stand-in for the control plane's log API (packages/control-plane/src/routes/log.ts): the few
 * endpoints openHttpLog uses, over a memory log, on a port that stays the same across restarts.
 * `hide` leaves offsets out of reads, as a log that removed a record on purpose would.
 */
interface StandIn {
  readonly url: string;
  /** Stops listening and cuts every connection, as a crashing control plane does. */
  stop(): Promise<void>;
  /** Listens again at the same address, over `log` (the same one, or a "wiped" new one). */
  start(log: MemoryLog, hide?: ReadonlySet<number>): Promise<void>;
  /** Reads (tailing or not) it has started to serve, over every start. */
  readsServed(): number;
}

async function startStandIn(initial: MemoryLog): Promise<StandIn> {
  let log = initial;
  let hidden: ReadonlySet<number> = new Set();
  let server: Server | undefined;
  let port = 0;
  let reads = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const match = /^\/apis\/tide\.dev\/v1\/log\/([^/]+)(?:\/(end)|\/groups\/([^/]+))?$/.exec(url.pathname);
    if (match === null) return json(res, 404, { message: 'not found' });
    const topic = decodeURIComponent(match[1]!);
    const group = match[3] === undefined ? undefined : decodeURIComponent(match[3]);
    if (match[2] === 'end') return json(res, 200, { endOffset: await log.endOffset(topic) });
    if (group !== undefined && req.method === 'GET') return json(res, 200, { offset: (await log.committedOffset(group, topic)) ?? null });
    if (group !== undefined && req.method === 'PUT') {
      const { offset } = (await body(req)) as { offset: number };
      await log.commitOffset(group, topic, offset);
      return json(res, 200, { offset });
    }
    if (req.method === 'POST') {
      const { records } = (await body(req)) as { records: { value: string; key?: string; headers?: Record<string, string> }[] };
      const decoded = records.map((r) => ({ ...r, value: new Uint8Array(Buffer.from(r.value, 'base64')) }));
      return json(res, 200, { offsets: await log.append(topic, decoded) });
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    reads++;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.flushHeaders();
    const reading = log.read(topic, Number(url.searchParams.get('from') ?? 0), { follow: url.searchParams.get('follow') === 'true', signal: abort.signal });
    for await (const r of reading) {
      if (hidden.has(r.offset)) continue;
      res.write(
        `${JSON.stringify({ offset: r.offset, timestamp: r.timestamp, key: r.key, headers: r.headers, value: Buffer.from(r.value).toString('base64') })}\n`,
      );
    }
    res.end();
  };
  const standIn: StandIn = {
    readsServed: () => reads,
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    async start(next, hide = new Set()) {
      log = next;
      hidden = hide;
      const starting = createServer((req, res) => {
        handle(req, res).catch((error: Error) => (res.headersSent ? res.destroy(error) : json(res, 500, { message: error.message })));
      });
      await new Promise<void>((resolve, reject) => starting.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
      port = (starting.address() as { port: number }).port;
      server = starting;
    },
    async stop() {
      const stopping = server;
      server = undefined;
      if (stopping === undefined) return;
      const closed = new Promise<void>((resolve) => stopping.close(() => resolve()));
      stopping.closeAllConnections();
      await closed;
    },
  };
  await standIn.start(initial);
  return standIn;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const text = (r: LogRecord) => Buffer.from(r.value).toString('utf8');
const topic = () => `http.${randomUUID().slice(0, 8)}`;

/** Tails `topic` from `from` into `received`; resolves with the error that ended the read, if any. */
/** A stand-in over a log kept across its restarts, and a reader tailing a fresh topic of it from 0. */
async function tailingFromStart() {
  const kept = createMemoryLog();
  const standIn = await startStandIn(kept);
  const log = openHttpLog(standIn.url);
  const t = topic();
  const controller = new AbortController();
  const received: LogRecord[] = [];
  return { kept, standIn, log, t, controller, received, reading: tail(log, t, 0, received, controller.signal) };
}

function tail(log: EventLog, t: string, from: number, received: LogRecord[], signal?: AbortSignal): Promise<unknown> {
  return (async () => {
    for await (const record of log.read(t, from, signal ? { signal } : {})) received.push(record);
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
}

eventLogContract('http (stand-in control plane over a memory log)', async () => {
  const standIn = await startStandIn(createMemoryLog());
  return { log: openHttpLog(`${standIn.url}/`), cleanup: () => standIn.stop() };
});

describe('http log across control plane restarts', () => {
  for (const refilled of [false, true]) {
    it(`throws LogRewoundError when the control plane comes back over a wiped log (${refilled ? 'refilled past the reader' : 'empty'})`, async () => {
      const standIn = await startStandIn(createMemoryLog());
      const log = openHttpLog(standIn.url);
      const t = topic();
      const received: LogRecord[] = [];
      const reading = tail(log, t, 0, received);
      try {
        await log.append(t, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
        await eventually(() => expect(received).toHaveLength(3));
        await standIn.stop();
        const wiped = createMemoryLog();
        // Records at the offsets the reader already had, but not the same ones.
        if (refilled) await wiped.append(t, [{ value: 'x' }, { value: 'y' }, { value: 'z' }, { value: 'w' }]);
        await standIn.start(wiped);
        const error = await reading;
        expect(error).toBeInstanceOf(LogRewoundError);
        expect(error).toMatchObject({
          code: 'LOG_REWOUND',
          topic: t,
          position: 3,
          where: standIn.url,
          found: refilled ? 'holds another record at offset 2' : 'ends at 0',
        });
        expect((error as Error).message).toContain(`the log ${t} at ${standIn.url} no longer holds what was read from it: this reader had reached offset 3`);
        expect(received.map(text)).toEqual(['a', 'b', 'c']);
      } finally {
        await log.close();
        await standIn.stop();
      }
    });
  }

  it('throws LogRewoundError for a reader that read nothing yet, when the log it tailed at its end comes back shorter', async () => {
    const first = createMemoryLog();
    const t = topic();
    await first.append(t, [{ value: 'a' }, { value: 'b' }]);
    const standIn = await startStandIn(first);
    const log = openHttpLog(standIn.url);
    const received: LogRecord[] = [];
    // As a state store does: replay up to the end, then tail from there.
    const reading = tail(log, t, await log.endOffset(t), received);
    try {
      await eventually(() => expect(standIn.readsServed()).toBeGreaterThan(0)); // the reader is connected and waiting
      await standIn.stop();
      await standIn.start(createMemoryLog());
      const error = await reading;
      expect(error).toMatchObject({ name: 'LogRewoundError', position: 2, found: 'ends at 0' });
      expect(received).toEqual([]);
    } finally {
      await log.close();
      await standIn.stop();
    }
  });

  it('resumes a tailing read across a plain restart over the same log, losing and repeating nothing', async () => {
    const { kept, standIn, log, t, controller, received, reading } = await tailingFromStart();
    try {
      await log.append(t, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
      await eventually(() => expect(received).toHaveLength(3));
      await standIn.stop();
      await kept.append(t, [{ value: 'd' }]); // written while the API was down
      await new Promise((r) => setTimeout(r, 200)); // the reader tries and fails to reconnect meanwhile
      await standIn.start(kept);
      await log.append(t, [{ value: 'e' }, { value: 'f' }]);
      await eventually(() => expect(received.length).toBeGreaterThanOrEqual(6));
      await new Promise((r) => setTimeout(r, 200)); // a repeat would arrive now
      expect(received.map((r) => [r.offset, text(r)])).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((v, i) => [i, v]));
      controller.abort();
      expect(await reading).toBeUndefined();
    } finally {
      controller.abort();
      await log.close();
      await standIn.stop();
    }
  });

  it('does not take a record removed while the log goes on past it for a rewound log', async () => {
    const { kept, standIn, log, t, controller, received, reading } = await tailingFromStart();
    try {
      await log.append(t, [{ value: 'a' }, { value: 'b' }]);
      await eventually(() => expect(received).toHaveLength(2));
      await standIn.stop();
      await kept.append(t, [{ value: 'c' }]);
      await standIn.start(kept, new Set([1])); // offset 1, the last one read, is gone; 2 is there
      await eventually(() => expect(received).toHaveLength(3));
      expect(received.map((r) => [r.offset, text(r)])).toEqual([
        [0, 'a'],
        [1, 'b'],
        [2, 'c'],
      ]);
      controller.abort();
      expect(await reading).toBeUndefined();
    } finally {
      controller.abort();
      await log.close();
      await standIn.stop();
    }
  });

  it('still throws when a tailing read cannot connect at all, for its caller to report and retry', async () => {
    const standIn = await startStandIn(createMemoryLog());
    const url = standIn.url;
    await standIn.stop();
    const log = openHttpLog(url);
    try {
      await expect(log.read(topic(), 0)[Symbol.asyncIterator]().next()).rejects.toThrow(/event log at .*: unreachable \(ECONNREFUSED\)/);
    } finally {
      await log.close();
    }
  });
});
