import type { EventLog, LogRecord } from './event-log.js';

/** An in-memory EventLog for tests of the packages that consume the port; it passes the contract suite. */
export interface MemoryLog extends EventLog {
  /** Every record of a topic, for assertions. */
  records(topic: string): readonly LogRecord[];
}

export function createMemoryLog(now: () => number = Date.now): MemoryLog {
  const topics = new Map<string, LogRecord[]>();
  const offsets = new Map<string, number>();
  const wakers = new Set<() => void>();
  let closed = false;
  const recordsOf = (topic: string) => {
    let list = topics.get(topic);
    if (!list) topics.set(topic, (list = []));
    return list;
  };
  return {
    records: recordsOf,
    async append(topic, records) {
      if (closed) throw new Error('memory log is closed');
      const list = recordsOf(topic);
      const result = records.map((r) => {
        const value = typeof r.value === 'string' ? new TextEncoder().encode(r.value) : r.value;
        list.push({ topic, offset: list.length, timestamp: now(), key: r.key ?? null, headers: r.headers ?? {}, value });
        return list.length - 1;
      });
      for (const wake of [...wakers]) wake();
      return result;
    },
    async *read(topic, fromOffset, options = {}) {
      const follow = options.follow ?? true;
      let next = fromOffset;
      while (!closed && !options.signal?.aborted) {
        const list = recordsOf(topic);
        while (next < list.length) {
          if (options.signal?.aborted) return;
          yield list[next++]!;
        }
        if (!follow) return;
        await new Promise<void>((resolve) => {
          const wake = () => {
            wakers.delete(wake);
            options.signal?.removeEventListener('abort', wake);
            resolve();
          };
          wakers.add(wake);
          options.signal?.addEventListener('abort', wake);
        });
      }
    },
    async endOffset(topic) {
      return recordsOf(topic).length;
    },
    async commitOffset(group, topic, offset) {
      offsets.set(`${group}\u0000${topic}`, offset);
    },
    async committedOffset(group, topic) {
      return offsets.get(`${group}\u0000${topic}`);
    },
    async close() {
      closed = true;
      for (const wake of [...wakers]) wake();
    },
  };
}
