import { hostname } from 'node:os';
import { encodeLoadReport, METRICS_TOPIC, type LoadReport } from '@tide/core';
import type { MetricsLog } from '@tide/gateway';
import { absorbReadings, backendsToRead, loadSamplesOf, nextWindow, openWindow, statReadingsOf, type LoadWindow } from './core/stats-load.js';
import { runtimeCommand } from './runtime-api.js';

export interface StatsReporter {
  stop(): Promise<void>;
}

/**
 * Reads `show stat` every `pollMs` (250: the backends' rows, and the servers' of those with load) and, every `reportMs` (1 s), appends what the pods served
 * through haproxy to the metrics topic as a gateway's load report, under a source of its own: the
 * autoscaler adds it to the gateway's (which reports the calls it held as activator), so scaling
 * out and to zero see all the load.
 */
export function startStatsReporter(options: {
  socket: string;
  log: MetricsLog;
  functionOf: (backend: string) => { namespace: string; name: string } | undefined;
  /** Runs after each poll (the ingress retires pods there). */
  onPoll?: () => Promise<void>;
  report: (line: string) => void;
  pollMs?: number;
  reportMs?: number;
  now?: () => number;
}): StatsReporter {
  const now = options.now ?? Date.now;
  const source = `haproxy-${hostname()}-${process.pid}`;
  const reportMs = options.reportMs ?? 1_000;
  let window: LoadWindow = openWindow(now());
  let pending: Promise<unknown> = Promise.resolve();
  let polling: Promise<void> | undefined;
  let failing = false;
  let lastStot: ReadonlyMap<string, number> = new Map();
  const isRevisionBackend = (name: string) => options.functionOf(name) !== undefined;
  const poll = async () => {
    try {
      // Backends first (a row each), then the servers of those with anything to tell.
      const backends = await runtimeCommand(options.socket, 'show stat -1 2 -1', 2_000);
      const toRead = backendsToRead(backends, isRevisionBackend, lastStot);
      lastStot = toRead.stot;
      const servers =
        toRead.names.length === 0 ? '' : await runtimeCommand(options.socket, toRead.names.map((name) => `show stat ${name} 4 -1`).join(';'), 2_000);
      const readings = [...statReadingsOf(backends, isRevisionBackend), ...statReadingsOf(servers, isRevisionBackend)];
      window = absorbReadings(window, readings, options.functionOf);
      failing = false;
    } catch (error) {
      if (!failing) options.report(`error: reading haproxy's stats failed: ${(error as Error).message}`);
      failing = true;
    }
    await options.onPoll?.();
    if (now() - window.since >= reportMs) flush();
  };
  const flush = () => {
    const at = now();
    const samples = loadSamplesOf(window);
    const intervalMs = at - window.since;
    window = nextWindow(at, window, samples);
    if (samples.length === 0) return;
    const report: LoadReport = { kind: 'gateway-load', source, at, intervalMs, samples };
    pending = pending
      .then(() => options.log.append(METRICS_TOPIC, [{ value: encodeLoadReport(report), key: source }]))
      .catch((error: Error) => options.report(`error: ${source}: reporting load failed: ${error.message}`));
  };
  const timer = setInterval(() => {
    polling ??= poll().finally(() => (polling = undefined));
  }, options.pollMs ?? 250);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await polling;
      flush();
      await pending;
    },
  };
}
