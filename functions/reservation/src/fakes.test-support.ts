/** In-memory stand-ins for the Workers bindings and a queue batch, for the pipeline's tests. */
import type { KvNamespace, MessageBatch, Queue, QueueMessage } from './workers.js';

export function memoryKv(options: { failPuts?: number } = {}) {
  const entries = new Map<string, { value: string; metadata?: unknown }>();
  let failPuts = options.failPuts ?? 0;
  let puts = 0;
  const kv: KvNamespace = {
    async get(key) {
      const entry = entries.get(key);
      return entry ? JSON.parse(entry.value) : null;
    },
    async put(key, value, opts) {
      if (failPuts > 0) {
        failPuts--;
        throw new Error('KV is unavailable');
      }
      puts++;
      entries.set(key, { value, ...(opts?.metadata === undefined ? {} : { metadata: opts.metadata }) });
    },
    async list(opts = {}) {
      const names = [...entries.keys()].filter((k) => k.startsWith(opts.prefix ?? '')).sort();
      const start = opts.cursor ? Number(opts.cursor) : 0;
      const limit = opts.limit ?? 2; // small pages, so paging is exercised
      const page = names.slice(start, start + limit);
      const done = start + limit >= names.length;
      return {
        keys: page.map((name) => ({ name, ...(entries.get(name)!.metadata === undefined ? {} : { metadata: entries.get(name)!.metadata }) })),
        list_complete: done,
        ...(done ? {} : { cursor: String(start + limit) }),
      };
    },
  };
  return { kv, entries, puts: () => puts };
}

export function recordingQueue() {
  const sent: { body: unknown; options: unknown }[] = [];
  const queue: Queue = {
    async send(body, options) {
      sent.push({ body, options });
    },
  };
  return { queue, sent };
}

export function batchOf(bodies: unknown[]) {
  const outcome = new Map<string, 'acked' | 'retried'>();
  const messages: QueueMessage[] = bodies.map((body, i) => ({
    id: `m${i}`,
    body,
    attempts: 1,
    ack: () => void outcome.set(`m${i}`, 'acked'),
    retry: () => void outcome.set(`m${i}`, 'retried'),
  }));
  const batch: MessageBatch = { queue: 'reservations', messages };
  return { batch, outcome };
}
