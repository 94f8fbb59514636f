import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { FunctionBundle } from './function-bundle.js';
import { summarize, type LatencySummary } from './stats.js';
import { applyFunction, deleteFunction, listPods, uploadArtifact } from './tide-api.js';

export const COLD_START_BENCH = {
  functions: 20,
  /** Pause before each cold start, so the previous one's pool refill and scale-down are not inside it. */
  settleMs: 400,
  toZeroTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
  cleanupTimeoutMs: 30_000,
  pollMs: 100,
};

export interface ColdStartResult {
  functions: number;
  /** Request sent → response headers (first byte), a function with 0 pods each time. */
  firstByteMs: LatencySummary;
  /** Each cold start in order, ms. */
  samplesMs: number[];
  /** Warm-pool processes on the node once every function was at zero (the pool's idle size). */
  poolProcessesAtZero: number;
}

/** Both modes, each on its own fresh `tide up`. */
export interface ColdStartModes {
  pool: ColdStartResult;
  noPool: ColdStartResult;
}

export class ColdStartError extends Error {
  constructor(
    readonly functionName: string,
    readonly detail: string,
  ) {
    super(`cold start of ${functionName}: ${detail}`);
    this.name = 'ColdStartError';
  }
}

/**
 * Creates `functions` copies of hello that may scale to zero (min 0, max 1, idle 1 s), waits until
 * none has a pod, then wakes each in turn with one GET and times it from send to first byte.
 */
export async function runColdStartBench(
  base: string,
  hello: FunctionBundle,
  options: { prefix: string; countPoolProcesses: () => number },
): Promise<ColdStartResult> {
  const { prefix } = options;
  const names = Array.from({ length: COLD_START_BENCH.functions }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
  const digest = await uploadArtifact(base, hello.distinct(`${prefix} ${process.pid}`));
  for (const name of names) await applyFunction(base, name, digest, { min: 0, max: 1, scaleToZeroAfterSeconds: 1 });
  // A new function starts with one pod; the autoscaler takes it away once it has idled for 1 s.
  await waitForPods(base, names, 0, COLD_START_BENCH.toZeroTimeoutMs, 'scale to zero after their deploy');
  await sleep(COLD_START_BENCH.settleMs);
  const poolProcessesAtZero = options.countPoolProcesses();
  const samplesMs: number[] = [];
  for (const name of names) {
    await waitForPods(base, [name], 0, COLD_START_BENCH.toZeroTimeoutMs, 'be at zero before its cold start');
    await sleep(COLD_START_BENCH.settleMs);
    samplesMs.push(await timeFirstByte(`${base}/fn/default/${name}`, name));
  }
  // On failure there is nothing to tidy here: the caller stops this Tide and removes its data.
  for (const name of names) await deleteFunction(base, name);
  await waitForPods(base, names, 0, COLD_START_BENCH.cleanupTimeoutMs, 'stop after their delete');
  return { functions: names.length, firstByteMs: summarize(samplesMs), samplesMs, poolProcessesAtZero };
}

export async function timeFirstByte(url: string, name: string): Promise<number> {
  const started = performance.now();
  const res = await request(url, { headersTimeout: COLD_START_BENCH.requestTimeoutMs, bodyTimeout: COLD_START_BENCH.requestTimeoutMs });
  const ms = performance.now() - started;
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new ColdStartError(name, `answered ${res.statusCode}: ${body.slice(0, 300)}`);
  return ms;
}

/** Polls until each of `names` has at most `pods` pods (any phase). */
export async function waitForPods(base: string, names: readonly string[], pods: number, timeoutMs: number, what: string): Promise<void> {
  const wanted = new Set(names);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const counts = new Map<string, number>();
    for (const pod of await listPods(base)) if (wanted.has(pod.spec.function)) counts.set(pod.spec.function, (counts.get(pod.spec.function) ?? 0) + 1);
    const over = [...counts].filter(([, n]) => n > pods);
    if (over.length === 0) return;
    if (performance.now() > deadline)
      throw new ColdStartError(
        over.map(([name]) => name).join(', '),
        `pods did not ${what} within ${timeoutMs} ms (${over.map(([n, c]) => `${n}: ${c}`).join(', ')})`,
      );
    await sleep(COLD_START_BENCH.pollMs);
  }
}
