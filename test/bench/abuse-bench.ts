import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { applyFunctionIn, callFunction, createNamespace, deleteFunctionIn, listPodsIn, type NamespacedPod } from './abuse-api.js';
import { ABUSES, BASELINE, type Abuse, type AbuseContext } from './abuses.js';
import { summarize, type LatencySummary } from './stats.js';
import { uploadArtifact } from './tide-api.js';
import { NEIGHBOUR_CALLER, type NeighbourSample } from '../support/neighbour-caller.js';

/**
 * Section 13: a neighbouring function's latency while another tenant abuses its pod (issue 12,
 * acceptance 5: "a neighbouring function's p99 latency rises by at most 20 %"). One sandboxed
 * `tide up`; the neighbour (namespace `neighbour`, 500m, 128 MB, one pod) is called one call at a
 * time, `callEveryMs` apart, from a worker thread (so the bench's own work is not its latency), for
 * the whole run. The run is cut into windows of equal length, baselines and abuses in turn: a baseline,
 * an abuse kept up for all of its window (abuses.ts), a baseline, the next abuse, …, a last baseline.
 * Each abuse is judged against the mean p99 of the baselines either side of it: the machine's own
 * drift over the run (p99 of a quiet window ranged 4.7–7.6 ms from one run to the next here) is not
 * the abuse's. Every window, baselines
 * included, polls the abuse namespace's pods at the same pace: the bench's own load is the same in each.
 * A call's window is the one it was sent in; set-up and clean-up happen between windows.
 */
export const ABUSE_BENCH = { windowMs: 20_000, callEveryMs: 10, pollEveryMs: 250, warmupMs: 10_000, settleMs: 2_000, cleanupTimeoutMs: 60_000 };

export interface AbuseWindow {
  name: string;
  does: string;
  neighbour: LatencySummary;
  /** Neighbour calls that did not answer 200. */
  failed: number;
  /** True for the quiet windows between abuses. */
  baseline: boolean;
  /** An abuse's: the mean p99 of the baselines either side of it, ms. */
  baselineP99?: number;
  /** An abuse's p99 against baselineP99, %. */
  p99VsBaselinePct?: number;
  /** Abuses made (calls; for ignore SIGTERM, abusers deployed and deleted). */
  abuses: number;
  /** How the abuse's calls answered: status → calls. */
  abuseAnswers: Record<string, number>;
  /** Distinct abuser pods the window's polling saw (a pod that exits restarts under its name; a deleted one is replaced by a new name). */
  abuserPods: number;
  /** Restarts of those pods during the window (each OOM kill or timeout recycle is one), from their restartCount. */
  abuserRestarts: number;
  /** Share of the window's polls that found an abuser pod Ready, %: how much of it the abuse had a running pod (a crash-looping pod waits out a back-off). */
  abuserReadyPct: number;
  loadAverage1m: number;
}

export interface AbuseBenchResult {
  windowMs: number;
  callEveryMs: number;
  windows: AbuseWindow[];
  /** tide up's line about the pods' limits (cgroup versions). */
  limits?: string;
  /** Why nothing was measured: this machine cannot sandbox. */
  skipped?: string;
}

export type StartAbuseTide = (env: Record<string, string>, args: string[]) => Promise<{ url: string; stop(): Promise<void>; output(): string }>;

const NEIGHBOUR = `export default { fetch: () => new Response('ok') };`;

export async function runAbuseBench(startTide: StartAbuseTide, repoRoot: string): Promise<AbuseBenchResult> {
  const empty = { windowMs: ABUSE_BENCH.windowMs, callEveryMs: ABUSE_BENCH.callEveryMs, windows: [] };
  let tide;
  try {
    tide = await startTide({}, ['--sandbox', 'bwrap']);
  } catch (error) {
    const why = /--sandbox bwrap[^\n]*/.exec((error as Error).message)?.[0];
    if (why === undefined) throw error;
    return { ...empty, skipped: why };
  }
  try {
    const limits = /limits: [^\n]*/.exec(tide.output())?.[0];
    return { ...empty, ...(limits ? { limits } : {}), windows: await measure(tide.url, repoRoot) };
  } finally {
    await tide.stop();
  }
}

async function measure(url: string, repoRoot: string): Promise<AbuseWindow[]> {
  for (const namespace of ['abuse', 'neighbour']) await createNamespace(url, namespace);
  const digest = await uploadArtifact(url, await readFile(join(repoRoot, 'test/fixtures/functions/abuser/index.mjs')));
  await applyFunctionIn(url, 'neighbour', 'neighbour', await uploadArtifact(url, Buffer.from(NEIGHBOUR)), { resources: { memoryMb: 128, cpuMilli: 500 } });
  for (let i = 0; (await callFunction(url, 'neighbour', 'neighbour', '/')).status !== 200; i++) {
    if (i > 600) throw new Error('the neighbour did not answer within 60 s of its deploy');
    await sleep(100);
  }
  const samples: NeighbourSample[] = [];
  const caller = new Worker(NEIGHBOUR_CALLER, { eval: true, workerData: { url: `${url}/fn/neighbour/neighbour/`, everyMs: ABUSE_BENCH.callEveryMs } });
  caller.on('message', (sample: NeighbourSample) => samples.push(sample));
  try {
    // The caller's first calls (a new connection, code not yet optimised in the gateway and the pod) fall in no window.
    await sleep(ABUSE_BENCH.warmupMs);
    const windows: AbuseWindow[] = [];
    for (const abuse of [...ABUSES.flatMap((abuse) => [BASELINE, abuse]), BASELINE]) windows.push(await runWindow(url, digest, abuse, samples));
    windows.forEach((window, i) => {
      if (window.baseline) return;
      const base = (windows[i - 1]!.neighbour.p99 + windows[i + 1]!.neighbour.p99) / 2;
      window.baselineP99 = base;
      window.p99VsBaselinePct = ((window.neighbour.p99 - base) / base) * 100;
    });
    return windows;
  } finally {
    const exited = new Promise((resolve) => caller.once('exit', resolve));
    caller.postMessage('stop');
    await Promise.race([exited, sleep(5_000).then(() => caller.terminate())]);
  }
}

/** Sets the abuse up, keeps it going for one window while polling the abuse namespace's pods, then removes it and lets the node settle. */
async function runWindow(url: string, digest: string, abuse: Abuse, samples: readonly NeighbourSample[]): Promise<AbuseWindow> {
  let latest: NamespacedPod[] = [];
  const ctx: AbuseContext = { url, digest, deployed: new Set(), pods: () => latest, answers: {} };
  await abuse.setUp?.(ctx);
  const restarts = new Map<string, { first: number; last: number }>();
  let polls = 0;
  let readyPolls = 0;
  const window = new AbortController();
  const from = Date.now();
  const to = from + ABUSE_BENCH.windowMs;
  const timer = setTimeout(() => window.abort(), ABUSE_BENCH.windowMs);
  const polling = (async () => {
    while (!window.signal.aborted) {
      latest = await listPodsIn(url, 'abuse');
      polls++;
      if (latest.some((pod) => pod.phase === 'Ready')) readyPolls++;
      for (const pod of latest) restarts.set(pod.name, { first: restarts.get(pod.name)?.first ?? pod.restartCount, last: pod.restartCount });
      await sleep(ABUSE_BENCH.pollEveryMs, undefined, { signal: window.signal }).catch(() => undefined);
    }
  })();
  let abuses: number;
  try {
    abuses = await abuse.drive(ctx, window.signal);
  } finally {
    window.abort();
    clearTimeout(timer);
    await polling.catch(() => undefined);
  }
  const loadAverage1m = loadavg()[0]!;
  await removeAbusers(ctx);
  await sleep(ABUSE_BENCH.settleMs);
  const mine = samples.filter((s) => s.at >= from && s.at < to);
  return {
    name: abuse.name,
    does: abuse.does,
    baseline: abuse === BASELINE,
    neighbour: summarize(mine.map((s) => s.ms)),
    failed: mine.filter((s) => s.status !== 200).length,
    abuses,
    abuseAnswers: ctx.answers,
    abuserPods: restarts.size,
    abuserRestarts: [...restarts.values()].reduce((sum, r) => sum + r.last - r.first, 0),
    abuserReadyPct: polls === 0 ? 0 : (readyPolls / polls) * 100,
    loadAverage1m,
  };
}

/** Deletes the window's abusers and waits until the abuse namespace has no pod left. */
async function removeAbusers(ctx: AbuseContext): Promise<void> {
  for (const name of ctx.deployed) await deleteFunctionIn(ctx.url, 'abuse', name);
  const deadline = Date.now() + ABUSE_BENCH.cleanupTimeoutMs;
  for (;;) {
    const left = await listPodsIn(ctx.url, 'abuse');
    if (left.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `abuser pods still there ${ABUSE_BENCH.cleanupTimeoutMs} ms after their deletion: ${left.map((p) => `${p.name} (${p.phase})`).join(', ')}`,
      );
    await sleep(100);
  }
}
