import type { EventLog, LogRecord } from './event-log.js';
import { LogRewoundError } from './errors.js';

/** An in-memory EventLog for tests of the packages that consume the port; it passes the contract suite. */
export interface MemoryLog extends EventLog {
  /** Every record of a topic, for assertions. */
  records(topic: string): readonly LogRecord[];
  /** Loses every record, as a Kafka cluster that lost its data: tailing readers throw LogRewoundError. */
  wipe(): void;
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
    wipe() {
      topics.clear();
      for (const wake of [...wakers]) wake();
    },
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
      let reached = Math.min(fromOffset, recordsOf(topic).length);
      while (!closed && !options.signal?.aborted) {
        const list = recordsOf(topic);
        if (list.length < reached) throw new LogRewoundError(topic, next, `ends at ${list.length}`, 'memory');
        while (next < list.length) {
          if (options.signal?.aborted) return;
          yield list[next++]!;
        }
        reached = Math.min(next, list.length);
        // Aborted while the reader handled the last record: no abort event is coming to wake a wait.
        if (!follow || options.signal?.aborted) return;
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
