/**
 * Ships what pods print to the logs topic: lines are batched per flush interval (one append per
 * batch, not per line), a line longer than the limit is cut with a mark, and while the log does
 * not take appends the oldest lines are dropped beyond a bound, and the drop is said in the log.
 */
import { encodePodLogBatch, LOGS_TOPIC, type PodLogLine } from '@tide/core';

export interface LogAppender {
  append(topic: string, records: readonly { value: Uint8Array; key?: string }[]): Promise<number[]>;
}

export interface LogShipperOptions {
  log: LogAppender;
  node: string;
  /** Default 200 ms. */
  flushMs?: number;
  /** Lines held while the log does not take them; the oldest go beyond it (default 10 000). */
  maxPending?: number;
  /** Characters of one line kept (default 16 384). */
  maxLineChars?: number;
  onError?: (error: Error) => void;
}

export interface LogShipper {
  ship(line: Omit<PodLogLine, 'at'>): void;
  /** Ships what is pending and stops. */
  stop(): Promise<void>;
}

export function startLogShipper(options: LogShipperOptions): LogShipper {
  const maxPending = options.maxPending ?? 10_000;
  const maxLineChars = options.maxLineChars ?? 16_384;
  let pending: PodLogLine[] = [];
  let dropped = 0;
  let flushing: Promise<void> | undefined;
  let failing = false;

  const flush = async () => {
    if (pending.length === 0 && dropped === 0) return;
    const lines = pending;
    pending = [];
    if (dropped > 0) {
      const first = lines[0];
      lines.unshift({
        namespace: first?.namespace ?? '',
        function: first?.function ?? '',
        pod: first?.pod ?? '',
        stream: 'stderr',
        at: Date.now(),
        line: `[tide] ${dropped} log lines of this node were dropped while the log was unavailable`,
      });
      dropped = 0;
    }
    try {
      await options.log.append(LOGS_TOPIC, [{ value: encodePodLogBatch({ kind: 'pod-logs', node: options.node, lines }), key: options.node }]);
      failing = false;
    } catch (error) {
      // Keep them for the next flush (bounded below); say so once per outage, not per flush.
      pending = lines.concat(pending);
      if (!failing) options.onError?.(new Error(`node ${options.node}: shipping pod logs failed: ${(error as Error).message}`, { cause: error }));
      failing = true;
    }
  };
  const timer = setInterval(() => {
    flushing ??= flush().finally(() => (flushing = undefined));
  }, options.flushMs ?? 200);
  timer.unref();

  return {
    ship(line) {
      const text = line.line.length > maxLineChars ? `${line.line.slice(0, maxLineChars)}… [${line.line.length - maxLineChars} more characters]` : line.line;
      pending.push({ ...line, line: text, at: Date.now() });
      if (pending.length > maxPending) {
        dropped += pending.length - maxPending;
        pending.splice(0, pending.length - maxPending);
      }
    },
    async stop() {
      clearInterval(timer);
      await flushing;
      await flush();
    },
  };
}
