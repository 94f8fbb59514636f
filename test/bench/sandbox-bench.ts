import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { openNodeAgent, SandboxUnavailableError, type PodReport } from '@tide/node-agent';
import { request } from 'undici';
import { COLD_START_BENCH, timeFirstByte, waitForPods } from './cold-start-bench.js';
import type { FunctionBundle } from './function-bundle.js';
import { median, summarize, type LatencySummary } from './stats.js';
import type { TempDirs } from './temp-dirs.js';
import { applyFunction, deleteFunction, uploadArtifact } from './tide-api.js';

/**
 * Section 12: what the bwrap sandbox costs a cold start (issue 12, acceptance 6): from the warm pool
 * and from a spawn, each without and with `--sandbox bwrap`. The goal: under 1 ms added to a
 * warm-pool start (its processes are started inside their sandbox, so taking one should cost what
 * it costs unsandboxed).
 *
 * A difference of a millisecond is far below what a busy machine does to a single cold start, so the
 * two sides run at the same time: per start path, two fresh `tide up`s (without and with the sandbox),
 * and their cold starts alternate — one on one, then one on the other, the order swapped each round —
 * so that whatever else the machine does falls on both. Besides each side's percentiles the table
 * gives the median of the per-round differences.
 */
export interface SandboxPathResult {
  pool: boolean;
  none: LatencySummary;
  bwrap: LatencySummary;
  /** Each round's bwrap start minus its unsandboxed start, ms, in order. */
  pairedDifferencesMs: number[];
  medianDifferenceMs: number;
  samplesMs: { none: number[]; bwrap: number[] };
}

export interface SandboxBenchResult {
  paths: SandboxPathResult[];
  /** The same starts measured in the agent (runAgentSandboxBench). */
  agent?: { paths: AgentSandboxPath[]; skipped?: string };
  /** Why nothing was measured: this machine cannot sandbox (`tide up --sandbox bwrap` refused, saying why). */
  skipped?: string;
}

/** A fresh `tide up` with this environment and these flags, and how to stop it. */
export type StartBenchTide = (env: Record<string, string>, args: string[]) => Promise<{ url: string; stop(): Promise<void> }>;

export async function runSandboxBench(startTide: StartBenchTide, hello: FunctionBundle): Promise<SandboxBenchResult> {
  const paths: SandboxPathResult[] = [];
  for (const pool of [true, false]) {
    const env: Record<string, string> = pool ? {} : { TIDE_WARM_POOL: '0' };
    const bare = await startTide(env, ['--sandbox', 'none']);
    let boxed;
    try {
      boxed = await startTide(env, ['--sandbox', 'bwrap']);
    } catch (error) {
      await bare.stop();
      const why = /--sandbox bwrap[^\n]*/.exec((error as Error).message)?.[0];
      if (why === undefined) throw error;
      return { paths, skipped: why };
    }
    paths.push(await alternate(pool, bare.url, boxed.url, hello));
    await Promise.all([bare.stop(), boxed.stop()]);
  }
  return { paths };
}

/** COLD_START_BENCH.functions cold starts on each Tide, alternating between them. */
async function alternate(pool: boolean, bareUrl: string, boxedUrl: string, hello: FunctionBundle): Promise<SandboxPathResult> {
  const prefix = `bench-sandbox-${pool ? 'pool' : 'spawn'}`;
  const names = Array.from({ length: COLD_START_BENCH.functions }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
  for (const base of [bareUrl, boxedUrl]) {
    const digest = await uploadArtifact(base, hello.distinct(`${prefix} ${process.pid}`));
    for (const name of names) await applyFunction(base, name, digest, { min: 0, max: 1, scaleToZeroAfterSeconds: 1 });
  }
  for (const base of [bareUrl, boxedUrl]) await waitForPods(base, names, 0, COLD_START_BENCH.toZeroTimeoutMs, 'scale to zero after their deploy');
  const samplesMs = { none: [] as number[], bwrap: [] as number[] };
  for (const [round, name] of names.entries()) {
    const order = round % 2 === 0 ? (['none', 'bwrap'] as const) : (['bwrap', 'none'] as const);
    for (const side of order) {
      const base = side === 'none' ? bareUrl : boxedUrl;
      await waitForPods(base, [name], 0, COLD_START_BENCH.toZeroTimeoutMs, 'be at zero before its cold start');
      await sleep(COLD_START_BENCH.settleMs);
      samplesMs[side].push(await timeFirstByte(`${base}/fn/default/${name}`, name));
    }
  }
  for (const base of [bareUrl, boxedUrl]) {
    for (const name of names) await deleteFunction(base, name);
    await waitForPods(base, names, 0, COLD_START_BENCH.cleanupTimeoutMs, 'stop after their delete');
  }
  const pairedDifferencesMs = samplesMs.bwrap.map((ms, i) => ms - samplesMs.none[i]!);
  return {
    pool,
    none: summarize(samplesMs.none),
    bwrap: summarize(samplesMs.bwrap),
    pairedDifferencesMs,
    medianDifferenceMs: median(pairedDifferencesMs),
    samplesMs,
  };
}

/**
 * The same comparison one layer down, where a millisecond shows: two node agents in this process
 * (`sandbox: 'none'` and `'bwrap'`), one pod at a time, alternating; each start timed from the
 * agent being told to run the pod to its first response (no gateway, no control plane, no log).
 */
export interface AgentSandboxPath {
  pool: boolean;
  none: LatencySummary;
  bwrap: LatencySummary;
  medianDifferenceMs: number;
}

export const AGENT_SANDBOX_BENCH = { poolStarts: 40, spawnStarts: 20, settleMs: 150, readyTimeoutMs: 30_000 };

export async function runAgentSandboxBench(temp: TempDirs): Promise<{ paths: AgentSandboxPath[]; skipped?: string }> {
  const dir = await temp.make('tide-bench-sandbox-agent-');
  const artifact = join(dir, 'hello.mjs');
  await writeFile(artifact, `export default { fetch: () => new Response('hi') };`);
  const paths: AgentSandboxPath[] = [];
  for (const pool of [true, false]) {
    let sides;
    try {
      sides = { none: await openBenchAgent(dir, 'none', pool), bwrap: await openBenchAgent(dir, 'bwrap', pool) };
    } catch (error) {
      if (error instanceof SandboxUnavailableError) return { paths, skipped: error.message };
      throw error;
    }
    try {
      const samples = { none: [] as number[], bwrap: [] as number[] };
      const starts = pool ? AGENT_SANDBOX_BENCH.poolStarts : AGENT_SANDBOX_BENCH.spawnStarts;
      for (let round = 0; round < starts; round++) {
        for (const side of round % 2 === 0 ? (['none', 'bwrap'] as const) : (['bwrap', 'none'] as const)) {
          samples[side].push(await sides[side].start(`p${round}`, artifact));
        }
      }
      const differences = samples.bwrap.map((ms, i) => ms - samples.none[i]!);
      paths.push({ pool, none: summarize(samples.none), bwrap: summarize(samples.bwrap), medianDifferenceMs: median(differences) });
    } finally {
      await Promise.all([sides.none.agent.close(), sides.bwrap.agent.close()]);
    }
  }
  return { paths };
}

async function openBenchAgent(dir: string, sandbox: 'none' | 'bwrap', pool: boolean) {
  const waiters = new Set<(report: PodReport) => void>();
  const agent = await openNodeAgent({
    dataDir: await mkdtemp(join(dir, `${sandbox}-`)),
    sandbox,
    warmPool: { size: pool ? 1 : 0, memoryMb: 128 },
    onReport: (report) => {
      for (const waiter of waiters) waiter(report);
    },
  });
  const next = (match: (report: PodReport) => boolean, what: string) =>
    new Promise<PodReport>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`agent (${sandbox}): no ${what} within ${AGENT_SANDBOX_BENCH.readyTimeoutMs} ms`)),
        AGENT_SANDBOX_BENCH.readyTimeoutMs,
      );
      const waiter = (report: PodReport) => {
        if (!match(report)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(report);
      };
      waiters.add(waiter);
    });
  return {
    agent,
    /** One pod from sync to its first response, ms; then it is stopped and the pool refilled. */
    async start(name: string, artifactPath: string): Promise<number> {
      for (let i = 0; pool && agent.warmPool().idle < 1; i++) {
        if (i > AGENT_SANDBOX_BENCH.readyTimeoutMs / 10) throw new Error(`agent (${sandbox}): its warm pool did not refill`);
        await sleep(10);
      }
      await sleep(AGENT_SANDBOX_BENCH.settleMs);
      const ready = next((r) => r.pod === name && r.phase === 'Ready', `${name} Ready`);
      const started = performance.now();
      agent.sync([
        {
          name,
          namespace: 'default',
          functionName: 'hello',
          revision: 'hello-00001',
          artifactPath,
          env: {},
          memoryMb: 128,
          cpuMilli: 100,
          timeoutSeconds: 5,
          terminationGraceSeconds: 1,
        },
      ]);
      const { endpoint, coldStart } = await ready;
      const res = await request(endpoint!);
      await res.body.text();
      const ms = performance.now() - started;
      if (coldStart !== (pool ? 'pool' : 'spawn')) throw new Error(`agent (${sandbox}): ${name} started by ${coldStart}, not as measured`);
      const stopped = next((r) => r.pod === name && r.phase === 'Stopped', `${name} Stopped`);
      agent.sync([]);
      await stopped;
      return ms;
    },
  };
}
