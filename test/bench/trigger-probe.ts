import { createServer, type Server } from 'node:http';

/**
 * The function section 11 deploys, as the artifact itself (a plain ES module, nothing to bundle).
 * Its `queue(batch)` stamps the moment it is entered, acks the whole batch and returns; only then,
 * through ctx.waitUntil (after the answer, so on no measured path), it posts what it saw to the
 * bench's collector, the calls of up to 50 ms in one POST (so its reports cost the pod about the same
 * whatever the batch size): each message's `seq` and `sentAt` (the producer's clock just before it
 * sent the record), the record's timestamp, and the entry and exit stamps. Stamps are `performance.timeOrigin + performance.now()`:
 * the wall clock in sub-millisecond steps, the same clock in the bench and in the pod.
 * `fetch` is there for a CloudEvent delivery (delivery `cloudevent`): the record's value is the body.
 */
export const TRIGGER_PROBE_MODULE = `
const now = () => performance.timeOrigin + performance.now();
let pending = [];
let flushing = null;
// One POST per 50 ms at most, whatever the call rate: a POST per call would load the pod in proportion to calls.
const report = (env, ctx, call) => {
  pending.push(call);
  flushing ??= new Promise((resolve) => setTimeout(resolve, 50)).then(() => {
    const calls = pending;
    pending = [];
    flushing = null;
    return fetch(env.BENCH_COLLECTOR, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(calls) })
      .then((r) => r.arrayBuffer())
      .catch(() => {});
  });
  ctx.waitUntil(flushing);
};
const seen = (value, timestamp) => ({
  seq: typeof value?.seq === 'number' ? value.seq : null,
  sentAt: typeof value?.sentAt === 'number' ? value.sentAt : null,
  timestamp: timestamp instanceof Date ? timestamp.getTime() : null,
});
export default {
  async queue(batch, env, ctx) {
    const enteredAt = now();
    batch.ackAll();
    report(env, ctx, { via: 'queue', topic: batch.queue, enteredAt, leftAt: now(), messages: batch.messages.map((m) => seen(m.body, m.timestamp)) });
  },
  async fetch(request, env, ctx) {
    const enteredAt = now();
    const value = await request.json().catch(() => null);
    report(env, ctx, { via: 'cloudevent', topic: request.headers.get('ce-topic'), enteredAt, leftAt: now(), messages: [seen(value, null)] });
    return new Response(null, { status: 204 });
  },
};
`;

/** One call of the probe, as it reported it. */
export interface ProbeReport {
  via: 'queue' | 'cloudevent';
  topic: string | null;
  enteredAt: number;
  leftAt: number;
  /** `timestamp`: the record's own (epoch ms, set when the bus took it), for a queue message. */
  messages: { seq: number | null; sentAt: number | null; timestamp: number | null }[];
}

export interface Collector {
  url: string;
  /** Every report so far of calls that read `topic`, in arrival order. */
  reportsOf(topic: string): ProbeReport[];
  /** Resolves once `done(reports of topic)` holds, checked on each report; rejects after `timeoutMs` naming `what`. */
  until(topic: string, done: (reports: ProbeReport[]) => boolean, timeoutMs: number, what: string): Promise<ProbeReport[]>;
  close(): Promise<void>;
}

/** The server the probe posts to, on 127.0.0.1 and a port the OS picks. */
export async function startCollector(): Promise<Collector> {
  const byTopic = new Map<string, ProbeReport[]>();
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      try {
        for (const report of JSON.parse(body) as ProbeReport[]) {
          const topic = report.topic ?? '';
          const reports = byTopic.get(topic) ?? [];
          reports.push(report);
          byTopic.set(topic, reports);
        }
        for (const wake of waiters) wake();
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(400).end(`not a probe report: ${(error as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const reportsOf = (topic: string) => byTopic.get(topic) ?? [];
  return {
    url: `http://127.0.0.1:${port}/`,
    reportsOf,
    until(topic, done, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(reportsOf(topic))) return;
          finish();
          resolve(reportsOf(topic));
        };
        const timer = setTimeout(() => {
          finish();
          const got = reportsOf(topic).reduce((n, r) => n + r.messages.length, 0);
          reject(new Error(`${what}: not done after ${timeoutMs / 1000} s (${got} messages reported on topic ${topic})`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
