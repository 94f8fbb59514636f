import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, Pool, request } from 'undici';
import { openScaleEventWatch, type ScaleEventWatch } from '../load/scale-events.js';
import type { FunctionBundle } from './function-bundle.js';
import { summarize, type LatencySummary } from './stats.js';
import { applyFunction, deleteFunction, listPods, uploadArtifact, type PodItem } from './tide-api.js';

export const SCALE_STEP_BENCH = {
  steps: 5,
  callers: 50,
  sleepMs: 50,
  scale: { min: 1, max: 10, target: 5 },
  podPollMs: 25,
  /** Load is kept on until the first new pod is Ready, at most this long. */
  stepTimeoutMs: 15_000,
  readyTimeoutMs: 30_000,
  cleanupTimeoutMs: 30_000,
  /** Idle before each step, so the function's metric window holds no load from its readiness check. */
  quietMs: 1_000,
};

export interface ScaleStep {
  name: string;
  /** Step → the first ScaleSet's log time (when the autoscaler appended it). */
  decisionMs: number | undefined;
  /** Step → the ScaleSet arriving on the watch stream. */
  decisionSeenMs: number | undefined;
  /** Step → a poll of pods first saw a new pod Ready (poll every 25 ms). */
  firstNewReadyMs: number | undefined;
  /** The first decision's replicas, e.g. 1 → 10. */
  from?: number;
  to?: number;
  requests: number;
  non200: number;
}

export interface ScaleStepResult {
  steps: ScaleStep[];
  decisionMs: LatencySummary;
  decisionSeenMs: LatencySummary;
  firstNewReadyMs: LatencySummary;
}

/**
 * From 1 pod (min 1, target 5) to 50 concurrent callers of sleep?ms=50, five times on a fresh
 * function each: when does the first ScaleSet come (watch stream), when the first new pod Ready?
 */
export async function runScaleStepBench(base: string, sleepFn: FunctionBundle): Promise<ScaleStepResult> {
  const digest = await uploadArtifact(base, sleepFn.bytes);
  const names = Array.from({ length: SCALE_STEP_BENCH.steps }, (_, i) => `bench-step-${i}`);
  const watchAgent = new Agent();
  const epochNow = () => performance.timeOrigin + performance.now();
  const startEpochMs = epochNow();
  const elapsedMs = () => epochNow() - startEpochMs;
  const watch = await openScaleEventWatch({ url: base, names, dispatcher: watchAgent, startEpochMs, elapsedMs, maxEvents: 10_000 });
  const steps: ScaleStep[] = [];
  try {
    for (const [index, name] of names.entries()) {
      await applyFunction(base, name, digest, SCALE_STEP_BENCH.scale);
      const initial = await waitUntilAnswering(base, name);
      await sleep(SCALE_STEP_BENCH.quietMs);
      steps.push(await stepLoad(base, name, index, initial, watch, elapsedMs));
      await deleteFunction(base, name);
      await waitForNoPods(base, name);
    }
  } finally {
    await watch.close();
    await watchAgent.close();
  }
  const of = (pick: (s: ScaleStep) => number | undefined) => summarize(steps.flatMap((s) => (pick(s) === undefined ? [] : [pick(s)!])));
  return { steps, decisionMs: of((s) => s.decisionMs), decisionSeenMs: of((s) => s.decisionSeenMs), firstNewReadyMs: of((s) => s.firstNewReadyMs) };
}

/** The load step: 50 closed-loop callers until a new pod is Ready (or the step times out). */
async function stepLoad(
  base: string,
  name: string,
  index: number,
  initialPods: ReadonlySet<string>,
  watch: ScaleEventWatch,
  elapsedMs: () => number,
): Promise<ScaleStep> {
  const pool = new Pool(base, { connections: SCALE_STEP_BENCH.callers, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const stepMs = elapsedMs();
  const deadline = performance.now() + SCALE_STEP_BENCH.stepTimeoutMs;
  let stopped = false;
  let requests = 0;
  let non200 = 0;
  const caller = async () => {
    while (!stopped && performance.now() < deadline) {
      const res = await pool.request({ method: 'GET', path: `/fn/default/${name}?ms=${SCALE_STEP_BENCH.sleepMs}` }).catch(() => undefined);
      requests++;
      if (res === undefined || res.statusCode !== 200) non200++;
      await res?.body.dump();
    }
  };
  const callers = Array.from({ length: SCALE_STEP_BENCH.callers }, caller);
  let firstNewReadyMs: number | undefined;
  try {
    while (firstNewReadyMs === undefined && performance.now() < deadline) {
      const pods = await listPods(base);
      if (pods.some((p) => p.spec.function === name && p.status.phase === 'Ready' && !initialPods.has(p.metadata.name))) firstNewReadyMs = elapsedMs() - stepMs;
      else await sleep(SCALE_STEP_BENCH.podPollMs);
    }
  } finally {
    stopped = true;
    await Promise.all(callers);
    await pool.close();
  }
  const decision = watch.events.find((e) => e.fn === index && e.to > e.from && e.receivedMs >= stepMs);
  return {
    name,
    decisionMs: decision === undefined ? undefined : decision.atMs - stepMs,
    decisionSeenMs: decision === undefined ? undefined : decision.receivedMs - stepMs,
    firstNewReadyMs,
    ...(decision === undefined ? {} : { from: decision.from, to: decision.to }),
    requests,
    non200,
  };
}

/** Resolves with the names of the function's Ready pods once it answers 200 through the gateway. */
async function waitUntilAnswering(base: string, name: string): Promise<Set<string>> {
  const deadline = performance.now() + SCALE_STEP_BENCH.readyTimeoutMs;
  for (;;) {
    const res = await request(`${base}/fn/default/${name}?ms=0`, {
      headersTimeout: SCALE_STEP_BENCH.readyTimeoutMs,
      bodyTimeout: SCALE_STEP_BENCH.readyTimeoutMs,
    });
    await res.body.dump();
    const ready = (await listPods(base)).filter((p: PodItem) => p.spec.function === name && p.status.phase === 'Ready');
    if (res.statusCode === 200 && ready.length > 0) return new Set(ready.map((p) => p.metadata.name));
    if (performance.now() > deadline)
      throw new Error(`${name} did not answer 200 within ${SCALE_STEP_BENCH.readyTimeoutMs} ms of its deploy (last status ${res.statusCode})`);
    await sleep(20);
  }
}

async function waitForNoPods(base: string, name: string): Promise<void> {
  const deadline = performance.now() + SCALE_STEP_BENCH.cleanupTimeoutMs;
  while ((await listPods(base)).some((p) => p.spec.function === name)) {
    if (performance.now() > deadline) throw new Error(`pods of ${name} were still there ${SCALE_STEP_BENCH.cleanupTimeoutMs} ms after deleting it`);
    await sleep(50);
  }
}
