import { decodeAsyncInvocation, encodeMetricsReport, INVOCATIONS_TOPIC, isEnded, METRICS_TOPIC, type ActivationRecord, type TriggerLag } from '@tide/core';
import type { Engine, EngineDeps, StartEngine } from '../engine.js';
import { readActivations } from './activation-log.js';
import { asyncMetrics } from './async-metrics.js';
import { OffsetWatermark } from './core/offset-watermark.js';
import { runCall, type CallContext } from './run-call.js';

/** The consumer group of tide.invocations. */
export const ASYNC_GROUP = 'tide-async';

export interface AsyncWorkerOptions {
  /** Calls at a function at once, over all functions (the gateway holds them for pods). Default 64. */
  maxConcurrent?: number;
  /** Calls read but not ended (running, waiting to retry or for a slot). Default 1000. */
  maxPending?: number;
}

export interface AsyncWorker extends Engine {
  /** Calls read again after a restart whose activation had already ended: not run again. */
  readonly skippedEnded: number;
}

const COMMIT_DELAY_MS = 100;
const LAG_REPORT_MS = 1000;

/**
 * The async worker: consumes tide.invocations (group `tide-async`), runs each call through the
 * dispatcher with its function's retry policy (see run-call.ts), and commits the lowest offset
 * not yet ended, so a restart runs again only what had not ended; a call whose activation ended
 * before the restart (read back from tide.activations) is skipped and counted.
 */
export const startAsyncWorker: StartEngine = (deps) => runAsyncWorker(deps);

export async function runAsyncWorker(deps: EngineDeps, options: AsyncWorkerOptions = {}): Promise<AsyncWorker> {
  const maxConcurrent = options.maxConcurrent ?? 64;
  const maxPending = options.maxPending ?? 1000;
  const abort = new AbortController();
  const known = await readActivations(deps.log, abort.signal);
  const from = (await deps.log.committedOffset(ASYNC_GROUP, INVOCATIONS_TOPIC)) ?? 0;
  const watermark = new OffsetWatermark(from);
  const pendingByFunction = new Map<string, number>();
  const timers = new Set<unknown>();
  const sleepers = new Set<() => void>();
  const running = new Set<Promise<void>>();
  let committed = from;
  let skippedEnded = 0;
  let active = 0;
  const slotWaiters: (() => void)[] = [];
  const pendingWaiters: (() => void)[] = [];

  const ctx: CallContext = {
    deps,
    metrics: asyncMetrics(deps.meter),
    stopping: () => abort.signal.aborted,
    acquire: async () => {
      while (active >= maxConcurrent && !abort.signal.aborted) await new Promise<void>((resolve) => slotWaiters.push(resolve));
      active += 1;
      return () => {
        active -= 1;
        slotWaiters.shift()?.();
      };
    },
    sleep: (ms) =>
      new Promise<boolean>((resolve) => {
        if (abort.signal.aborted) return resolve(false);
        const wake = () => {
          sleepers.delete(wake);
          timers.delete(handle);
          resolve(!abort.signal.aborted);
        };
        const handle = deps.clock.setTimeout(wake, ms);
        timers.add(handle);
        sleepers.add(wake);
      }),
  };

  let commitTimer: unknown;
  // Commits run one after another, so a later (higher) position is never overtaken, and stop waits for the last.
  let commits: Promise<void> = Promise.resolve();
  const commit = () => {
    commits = commits
      .then(async () => {
        const next = watermark.committable();
        if (next <= committed) return;
        await deps.log.commitOffset(ASYNC_GROUP, INVOCATIONS_TOPIC, next);
        committed = next;
      })
      .catch((error: Error) => deps.onError(new Error(`async worker: committing tide.invocations failed: ${error.message}`)));
    return commits;
  };
  const commitSoon = () => {
    if (commitTimer !== undefined) return;
    commitTimer = deps.clock.setTimeout(() => {
      commitTimer = undefined;
      void commit();
    }, COMMIT_DELAY_MS);
  };

  const track = (offset: number, fn: string, work: Promise<ActivationRecord | undefined>) => {
    pendingByFunction.set(fn, (pendingByFunction.get(fn) ?? 0) + 1);
    const done = work
      .then((record) => {
        // A call the worker stopped before it ended stays uncommitted: it runs again after a restart.
        if (record !== undefined) watermark.finished(offset);
      })
      .catch((error: Error) => deps.onError(new Error(`async call at tide.invocations offset ${offset} (${fn}): ${error.message}`)))
      .finally(() => {
        running.delete(done);
        const left = (pendingByFunction.get(fn) ?? 1) - 1;
        if (left === 0) pendingByFunction.delete(fn);
        else pendingByFunction.set(fn, left);
        pendingWaiters.shift()?.();
        commitSoon();
      });
    running.add(done);
  };

  const consume = (async () => {
    for await (const entry of deps.log.read(INVOCATIONS_TOPIC, from, { follow: true, signal: abort.signal })) {
      while (running.size >= maxPending && !abort.signal.aborted) await new Promise<void>((resolve) => pendingWaiters.push(resolve));
      if (abort.signal.aborted) break;
      watermark.started(entry.offset);
      const call = decodeAsyncInvocation(entry.value);
      if (call === undefined) {
        watermark.finished(entry.offset);
        commitSoon();
        continue;
      }
      const before = known.get(call.id);
      known.delete(call.id);
      if (before !== undefined && isEnded(before.status) && before.callback !== 'pending') {
        skippedEnded += 1;
        watermark.finished(entry.offset);
        commitSoon();
        continue;
      }
      track(entry.offset, `${call.namespace}/${call.function}`, runCall(call, before, ctx));
    }
  })().catch((error: Error) => {
    if (!abort.signal.aborted) deps.onError(new Error(`async worker stopped reading tide.invocations: ${error.message}`));
  });

  let lagTimer: unknown;
  const reportLag = () => {
    lagTimer = deps.clock.setTimeout(reportLag, LAG_REPORT_MS);
    if (pendingByFunction.size === 0) return;
    const samples: TriggerLag[] = [...pendingByFunction].map(([key, lag]) => {
      const [namespace, name] = key.split('/') as [string, string];
      return { namespace, name, trigger: 'async', lag, parallelism: lag };
    });
    const report = { kind: 'trigger-lag' as const, source: deps.identity, at: deps.clock.now(), intervalMs: LAG_REPORT_MS, samples };
    deps.log
      .append(METRICS_TOPIC, [{ key: deps.identity, value: encodeMetricsReport(report) }])
      .catch((error: Error) => deps.onError(new Error(`async worker: lag report failed: ${error.message}`)));
  };
  lagTimer = deps.clock.setTimeout(reportLag, LAG_REPORT_MS);

  deps.report(`async worker is up: reading tide.invocations from offset ${from}, at most ${maxConcurrent} calls at once`);
  let stopping: Promise<void> | undefined;
  return {
    get skippedEnded() {
      return skippedEnded;
    },
    stop: () =>
      (stopping ??= (async () => {
        abort.abort();
        deps.clock.clearTimeout(lagTimer);
        for (const handle of timers) deps.clock.clearTimeout(handle);
        for (const wake of [...sleepers]) wake();
        for (const wake of slotWaiters.splice(0)) wake();
        for (const wake of pendingWaiters.splice(0)) wake();
        await consume;
        await Promise.all([...running]);
        if (commitTimer !== undefined) deps.clock.clearTimeout(commitTimer);
        await commit();
        if (skippedEnded > 0) deps.report(`async worker: ${skippedEnded} calls read again had already ended and were not run again`);
      })()),
  };
}
