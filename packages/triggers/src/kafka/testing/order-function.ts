/**
 * The acceptance test's function, served over HTTP on 127.0.0.1 as a pod would: it answers
 * Workers queue batches (`tide-invoke: queue`, as @tide/runtime does) and binary CloudEvents, fails
 * a share of first attempts at random, always fails poison records, and remembers what it saw:
 * per key, the order of first successful deliveries; and successes delivered again (duplicates).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OrderBody {
  key: string;
  n: number;
  poison?: boolean;
}

export interface OrderFunction {
  url: string;
  /** Per key, `n` of each first successful delivery, in the order they came. */
  firstSuccesses: Map<string, number[]>;
  successes: number;
  duplicates: number;
  /** Attempts per record id (poison ones included). */
  attempts: Map<string, number>;
  /** Called after each first success, with the count so far. */
  onSuccess?: (count: number) => void;
  close(): Promise<void>;
}

export async function serveOrderFunction(failShare: number, random: () => number = Math.random): Promise<OrderFunction> {
  const done = new Set<string>();
  const fn: OrderFunction = {
    url: '',
    firstSuccesses: new Map(),
    successes: 0,
    duplicates: 0,
    attempts: new Map(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  /** True when this attempt of the record succeeds. */
  const attempt = (id: string, body: OrderBody): boolean => {
    const n = (fn.attempts.get(id) ?? 0) + 1;
    fn.attempts.set(id, n);
    if (body.poison) return false;
    if (n === 1 && random() < failShare) return false;
    if (done.has(id)) {
      fn.duplicates++;
      return true;
    }
    done.add(id);
    const order = fn.firstSuccesses.get(body.key) ?? [];
    order.push(body.n);
    fn.firstSuccesses.set(body.key, order);
    fn.successes++;
    fn.onSuccess?.(fn.successes);
    return true;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.headers['tide-invoke'] === 'queue') {
        const batch = JSON.parse(text) as { messages: { id: string; body: OrderBody }[] };
        const acked: string[] = [];
        const retried: string[] = [];
        for (const m of batch.messages) (attempt(m.id, m.body) ? acked : retried).push(m.id);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ outcome: 'ok', acked, retried: retried.map((id) => ({ id })) }));
        return;
      }
      const id = String(req.headers['ce-id']);
      const ok = attempt(id, JSON.parse(text) as OrderBody);
      res.writeHead(ok ? 200 : 500).end(ok ? 'ok' : 'failed');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fn;
}
