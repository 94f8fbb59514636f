import { encodeLoadReport, METRICS_TOPIC, type LoadReport } from '@tide/core';
import type { Gateway } from './gateway.js';

/** Where reports go: the metrics topic of the event log (never the state stream). */
export interface MetricsLog {
  append(topic: string, records: readonly { value: Uint8Array; key?: string }[]): Promise<number[]>;
}

export interface LoadReporter {
  /** Reports as soon as the current turn ends, e.g. when a request waits for a function with no pod. */
  flushSoon(): void;
  stop(): Promise<void>;
}

/**
 * Every `intervalMs` (1 s), and at once on a cold request, appends what the gateway saw per
 * function to the metrics topic, where autoscalers (and `tide autoscale replay`) read it.
 */
export function startLoadReporter(options: {
  gateway: Gateway;
  log: MetricsLog;
  source: string;
  intervalMs?: number;
  now?: () => number;
  onError?: (error: Error) => void;
}): LoadReporter {
  const now = options.now ?? Date.now;
  let pending: Promise<unknown> = Promise.resolve();
  const flush = () => {
    const samples = options.gateway.collect();
    if (samples.length === 0) return;
    const intervalMs = Math.max(...samples.map((s) => s.intervalMs));
    const report: LoadReport = {
      kind: 'gateway-load',
      source: options.source,
      at: now(),
      intervalMs,
      samples: samples.map(({ intervalMs: _i, ...rest }) => rest),
    };
    const value = encodeLoadReport(report);
    pending = pending
      .then(() => options.log.append(METRICS_TOPIC, [{ value, key: options.source }]))
      .catch((error: Error) => options.onError?.(new Error(`gateway ${options.source}: reporting load failed: ${error.message}`, { cause: error })));
  };
  const timer = setInterval(flush, options.intervalMs ?? 1000);
  timer.unref();
  let soon: NodeJS.Immediate | undefined;
  return {
    // A burst of cold requests in one turn makes one report, not one each.
    flushSoon() {
      soon ??= setImmediate(() => {
        soon = undefined;
        flush();
      });
    },
    async stop() {
      clearInterval(timer);
      if (soon) clearImmediate(soon);
      flush();
      await pending;
    },
  };
}
