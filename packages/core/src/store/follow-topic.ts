/**
 * Following a topic for as long as a process runs. A log read that fails for good is reported and
 * resumed after a back-off from where it was; a log that lost what was read from it (a Kafka
 * cluster that lost its data: the reader throws an error with code LOG_REWOUND) is reported and
 * followed again from its start, since nothing of the old history is left to resume from.
 */
import type { Clock } from './ports.js';
import { systemClock } from './system-clock.js';

/** What following needs of a log: tailing reads of records that carry their offsets. */
export interface FollowableLog<R extends { offset: number }> {
  read(topic: string, fromOffset: number, options?: { follow?: boolean; signal?: AbortSignal }): AsyncIterable<R>;
}

export interface FollowTopicOptions<R extends { offset: number }> {
  /** Names the follower in what it reports ("autoscaler", "leader election (controllers)"). */
  name: string;
  /** Where to start: an offset, or a function of the log (e.g. its end, to skip history). */
  from: number | (() => Promise<number>);
  /** Awaited before the next record is handed on. */
  onRecord: (record: R) => void | Promise<void>;
  signal: AbortSignal;
  onError?: (error: Error) => void;
  /** Called once a lost log is being followed again from its start. */
  onRewound?: () => void;
  /** Longest wait between attempts after failures (default 5 000 ms). */
  maxBackoffMs?: number;
  clock?: Clock;
}

/** True for the error a log throws when it no longer holds what a reader read (see LogRewoundError). */
export function isLogRewound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'LOG_REWOUND';
}

/** Resolves once `signal` aborts; never rejects. */
export async function followTopic<R extends { offset: number }>(reader: FollowableLog<R>, topic: string, options: FollowTopicOptions<R>): Promise<void> {
  const { signal } = options;
  const report = (message: string, cause: unknown) => options.onError?.(new Error(`${options.name}: ${message}`, { cause }));
  let next: number | undefined = typeof options.from === 'number' ? options.from : undefined;
  let failures = 0;
  while (!signal.aborted) {
    try {
      next ??= await (options.from as () => Promise<number>)();
      for await (const record of reader.read(topic, next, { follow: true, signal })) {
        // Only once handled: a record whose handling failed (a full disk) is handed on again.
        try {
          await options.onRecord(record);
        } catch (error) {
          throw new HandlingError(record.offset, error);
        }
        next = record.offset + 1;
        failures = 0;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (isLogRewound(error)) {
        report(`${(error as Error).message}; following ${topic} again from its start`, error);
        next = 0;
        options.onRewound?.();
        continue;
      }
      failures++;
      const what = error instanceof HandlingError ? `handling record ${error.offset} of ${topic}` : `reading ${topic}`;
      const cause = error instanceof HandlingError ? error.cause : error;
      report(`${what} failed: ${cause instanceof Error ? cause.message : String(cause)}; retrying`, error);
      await sleep(options.clock ?? systemClock, Math.min(options.maxBackoffMs ?? 5_000, 100 * 2 ** failures), signal);
    }
  }
}

/** The follower's own handler failed (not the log): the record is handed on again. */
class HandlingError extends Error {
  constructor(
    readonly offset: number,
    override readonly cause: unknown,
  ) {
    super(`handling record ${offset} failed`, { cause });
  }
}

/** Waits `ms` on `clock`, or less when `signal` aborts (never rejects). */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
