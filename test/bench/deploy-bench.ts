import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { FunctionBundle } from './function-bundle.js';
import { applyFunction, deleteFunction, listPods, uploadArtifact } from './tide-api.js';
import { summarize, type LatencySummary } from './stats.js';

export const DEPLOY_BENCH = { functions: 20, pollIntervalMs: 2, deployTimeoutMs: 30_000, cleanupTimeoutMs: 30_000 };

export interface DeployBenchResult {
  functions: number;
  /** Upload start → first 200 from /fn/default/<name>. */
  uploadToFirst200Ms: LatencySummary;
  /** PUT acknowledged → first 200. */
  putAckToFirst200Ms: LatencySummary;
  /** Upload start → PUT acknowledged. */
  uploadToPutAckMs: LatencySummary;
  /** Non-200 answers seen while polling (e.g. 503 before a pod was ready). */
  non200Answers: number;
}

export class DeployTimeoutError extends Error {
  constructor(
    readonly functionName: string,
    readonly waitedMs: number,
    readonly lastStatus: number | undefined,
  ) {
    super(`function ${functionName} did not answer 200 within ${waitedMs} ms of its deploy (last status ${lastStatus ?? 'none'})`);
    this.name = 'DeployTimeoutError';
  }
}

/** Deploys distinct copies of hello one after another, each timed from upload to its first 200. */
export async function runDeployBench(base: string, hello: FunctionBundle): Promise<DeployBenchResult> {
  const total: number[] = [];
  const afterPut: number[] = [];
  const beforePut: number[] = [];
  let non200Answers = 0;
  const names = Array.from({ length: DEPLOY_BENCH.functions }, (_, i) => `bench-deploy-${String(i).padStart(2, '0')}`);
  for (const name of names) {
    const bundle = hello.distinct(`${name} ${process.pid} ${Date.now()}`);
    const started = performance.now();
    await applyFunction(base, name, await uploadArtifact(base, bundle));
    const acked = performance.now();
    non200Answers += await waitForFirst200(`${base}/fn/default/${name}`, name);
    const answered = performance.now();
    total.push(answered - started);
    afterPut.push(answered - acked);
    beforePut.push(acked - started);
  }
  // On failure there is nothing to tidy here: the caller stops this Tide and removes its data.
  await removeFunctions(base, names);
  return {
    functions: names.length,
    uploadToFirst200Ms: summarize(total),
    putAckToFirst200Ms: summarize(afterPut),
    uploadToPutAckMs: summarize(beforePut),
    non200Answers,
  };
}

/** Polls every 2 ms until a 200; resolves with how many other answers it saw. */
async function waitForFirst200(url: string, name: string): Promise<number> {
  const deadline = performance.now() + DEPLOY_BENCH.deployTimeoutMs;
  let others = 0;
  let lastStatus: number | undefined;
  for (;;) {
    const res = await request(url, { headersTimeout: DEPLOY_BENCH.deployTimeoutMs, bodyTimeout: DEPLOY_BENCH.deployTimeoutMs });
    await res.body.dump();
    if (res.statusCode === 200) return others;
    others++;
    lastStatus = res.statusCode;
    if (performance.now() > deadline) throw new DeployTimeoutError(name, DEPLOY_BENCH.deployTimeoutMs, lastStatus);
    await sleep(DEPLOY_BENCH.pollIntervalMs);
  }
}

/** Deletes the bench's functions and waits (bounded) for their pods to stop, so later figures run on a quiet node. */
async function removeFunctions(base: string, names: readonly string[]): Promise<void> {
  const wanted = new Set(names);
  for (const name of names) await deleteFunction(base, name);
  const deadline = performance.now() + DEPLOY_BENCH.cleanupTimeoutMs;
  while ((await listPods(base)).some((pod) => wanted.has(pod.spec.function))) {
    if (performance.now() > deadline)
      throw new Error(`pods of the deploy bench's functions were still there ${DEPLOY_BENCH.cleanupTimeoutMs} ms after deleting them`);
    await sleep(50);
  }
}
