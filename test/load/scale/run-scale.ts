/**
 * `npm run load -- scale [--smoke]`: how the control plane's cost grows with the work. Two parts,
 * each on real processes (`tide control-plane`, `tide gateway`) in temp data directories:
 *
 * - functions: a fleet of simulated nodes joins (simulated-fleet.ts); functions are applied
 *   through the API up to each step's count (every tenth at min 1; each deploy starts with one
 *   pod, which the autoscaler takes away from the min-0 ones); at each step: apply latency, time
 *   until the step's pods are Ready and until the cluster settles at the min-1 pods, paginated
 *   list latency (`limit`/`continue`) of functions and pods, RSS of control plane and gateway.
 * - events: a history of N events (history.ts) is appended with the log package's own writer to
 *   a control plane's fresh data directory; then the control plane is started on it, once with
 *   no snapshot (a full replay) and once with the snapshots that start left: time to "up", RSS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeEvent, STATE_TOPIC, WRITER_HEADER } from '@tide/core';
import { openEmbeddedLog } from '@tide/log';
import { request, type Dispatcher } from 'undici';
import { bootstrapTokenIn, componentToken } from '../../support/component-tokens.js';
import { adminTokenIn, freePort, startTideCommand, stopTide, type TideProcess } from '../../support/tide-process.js';
import { summarizeLatency, type LatencySummary } from '../stats.js';
import { generateHistory, scaleFunctionName, type HistoryShape } from './history.js';
import { processMemory, type ProcessMemory } from './process-memory.js';
import { minOneAmong, type ScalePlan } from './scale-plan.js';
import { startSimulatedFleet, type SimulatedFleet } from './simulated-fleet.js';

export interface FunctionStep {
  functions: number;
  minOne: number;
  nodes: number;
  /** Events in the state stream when measured. */
  logEvents: number;
  apply: LatencySummary;
  applyPerSecond: number;
  /** From the step's first apply until every function applied had had a pod Ready. */
  podsReadyS: number;
  /** From then until only the min-1 pods were left, all Ready. */
  settledS: number;
  /** One page (`limit` items) of the function list, and the whole list read page by page. */
  listFunctionsPage: LatencySummary;
  listFunctionsWholeMs: number;
  listPodsPage: LatencySummary;
  controlPlane: ProcessMemory;
  gateway: ProcessMemory;
  fleetRefused: number;
}

export interface EventStep {
  events: number;
  logMb: number;
  writeS: number;
  /** Spawn → "control plane is up", no snapshot: the whole history replayed. */
  coldStartS: number;
  coldRss: ProcessMemory;
  /** Again, with the snapshots the cold start wrote. */
  warmStartS: number;
  warmRss: ProcessMemory;
}

export interface ScaleResult {
  plan: ScalePlan['name'];
  functionSteps: FunctionStep[];
  /** An empty control plane's start, for what the replay adds to it. */
  emptyStartS: number;
  eventSteps: EventStep[];
}

export interface ScaleRunContext {
  repoRoot: string;
  apiAgent: Dispatcher;
  signal: AbortSignal;
  log: (line: string) => void;
}

const API = '/apis/tide.dev/v1';
const CONTROL_PLANE_UP = /control plane is up at/;

/** Which parts to run: both by default (`--part functions|events` for one). */
export type ScalePart = 'functions' | 'events';

export async function runScale(plan: ScalePlan, ctx: ScaleRunContext, parts: readonly ScalePart[] = ['functions', 'events']): Promise<ScaleResult> {
  const functionSteps = parts.includes('functions') ? await measureFunctions(plan, ctx) : [];
  ctx.signal.throwIfAborted();
  const { emptyStartS, steps } = parts.includes('events') ? await measureEvents(plan, ctx) : { emptyStartS: 0, steps: [] };
  return { plan: plan.name, functionSteps, emptyStartS, eventSteps: steps };
}

/** A temp directory removed at the end, whatever happens. */
async function withTempDir<T>(prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

/**
 * `TIDE_SCALE_CPU_PROF=<dir>`: the control planes and gateways write V8 CPU profiles there when
 * they stop (`node --cpu-prof`), to see what grows with the cluster.
 */
function profileArgs(): { nodeArgs?: string[] } {
  const dir = process.env.TIDE_SCALE_CPU_PROF;
  return dir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] } : {};
}

async function startControlPlane(
  dataDir: string,
  signal: AbortSignal,
  timeoutMs = 10 * 60_000,
): Promise<{ process: TideProcess; url: string; startS: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = await startTideCommand({
    ...profileArgs(),
    signal,
    args: ['control-plane', '--port', String(port), '--data', dataDir],
    // A control plane alone on this machine: the simulated nodes' silence must not turn them NotReady while the run goes on.
    env: { TIDE_NODE_GRACE_SECONDS: '60' },
    ready: CONTROL_PLANE_UP,
    timeoutMs,
  });
  return { process: child, url: `http://127.0.0.1:${port}`, startS: (performance.now() - started) / 1000 };
}

async function measureFunctions(plan: ScalePlan, ctx: ScaleRunContext): Promise<FunctionStep[]> {
  return withTempDir('tide-scale-fn-', async (dataDir) => {
    const cp = await startControlPlane(dataDir, ctx.signal);
    let gateway: TideProcess | undefined;
    let fleet: SimulatedFleet | undefined;
    try {
      const admin = { authorization: `Bearer ${adminTokenIn(dataDir)}` };
      const gatewayPort = await freePort();
      gateway = await startTideCommand({
        ...profileArgs(),
        signal: ctx.signal,
        args: ['gateway', '--port', String(gatewayPort), '--server', cp.url],
        env: { TIDE_TOKEN: await componentToken(cp.url, dataDir, 'gateway') },
        ready: /gateway is up at/,
      });
      ctx.log(`control plane at ${cp.url} (pid ${cp.process.child.pid}), gateway pid ${gateway.child.pid}; ${plan.nodes} simulated nodes joining`);
      fleet = await startSimulatedFleet({
        url: cp.url,
        bootstrapToken: bootstrapTokenIn(dataDir),
        nodes: plan.nodes,
        onError: (error) => ctx.log(`fleet: ${error.message}`),
      });
      const artifact = await uploadArtifact(cp.url, admin, ctx.apiAgent);
      const steps: FunctionStep[] = [];
      let applied = 0;
      for (const target of plan.functionSteps) {
        ctx.signal.throwIfAborted();
        const stepStarted = performance.now();
        const latencies = await applyFunctions(cp.url, admin, ctx, { from: applied, to: target, artifact, plan });
        const appliedS = (performance.now() - stepStarted) / 1000;
        applied = target;
        const f = fleet;
        // Each deploy's first pod; the first may go again (scale to zero) before the last is Ready, so each function counts once.
        await waitUntil(
          () => f.functionsSeenReady() >= target,
          plan.settleTimeoutMs,
          ctx.signal,
          () => `${f.functionsSeenReady()} of ${target} functions had a pod Ready`,
        );
        const podsReadyS = (performance.now() - stepStarted) / 1000;
        const minOne = minOneAmong(target);
        await waitUntil(
          () => f.podCount() === minOne && f.readyPods() === minOne,
          plan.settleTimeoutMs,
          ctx.signal,
          () => `${f.podCount()} pods (${f.readyPods()} Ready), waiting for the ${minOne} of the min-1 functions only`,
        );
        const settledS = (performance.now() - stepStarted) / 1000 - podsReadyS;
        const functionsList = await timeList(cp.url, `${API}/namespaces/default/functions`, admin, plan, ctx.apiAgent, target);
        const podsList = await timeList(cp.url, `${API}/namespaces/default/pods`, admin, plan, ctx.apiAgent, minOne);
        const step: FunctionStep = {
          functions: target,
          minOne,
          nodes: plan.nodes,
          logEvents: f.logEvents(),
          apply: summarizeLatency(latencies),
          applyPerSecond: latencies.length / appliedS,
          podsReadyS,
          settledS,
          listFunctionsPage: summarizeLatency(functionsList.pagesMs),
          listFunctionsWholeMs: Math.min(...functionsList.wholeMs),
          listPodsPage: summarizeLatency(podsList.pagesMs),
          controlPlane: await processMemory(cp.process.child.pid!),
          gateway: await processMemory(gateway.child.pid!),
          fleetRefused: f.refused().length,
        };
        steps.push(step);
        ctx.log(
          `${target} functions: apply p99 ${step.apply.p99.toFixed(1)} ms, pods ready ${podsReadyS.toFixed(1)} s, settled +${settledS.toFixed(1)} s, ` +
            `list page p99 ${step.listFunctionsPage.p99.toFixed(1)} ms, control plane RSS ${step.controlPlane.rssMb} MB, gateway ${step.gateway.rssMb} MB`,
        );
      }
      if (fleet.refused().length > 0) ctx.log(`fleet appends refused by the fold: ${fleet.refused().slice(0, 5).join('; ')}`);
      return steps;
    } finally {
      await fleet?.stop().catch((error: Error) => ctx.log(`stopping the fleet: ${error.message}`));
      await stopTide(gateway);
      await stopTide(cp.process);
    }
  });
}

/** A tiny Workers module: never run (the nodes are simulated), but uploaded, as the API requires of what a manifest names. */
async function uploadArtifact(url: string, headers: Record<string, string>, dispatcher: Dispatcher): Promise<string> {
  const body = 'export default { fetch() { return new Response("scale"); } };\n';
  const res = await request(`${url}${API}/artifacts`, { method: 'POST', headers: { ...headers, 'content-type': 'application/javascript' }, body, dispatcher });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`uploading the artifact answered ${res.statusCode}: ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { digest: string }).digest;
}

async function applyFunctions(
  url: string,
  headers: Record<string, string>,
  ctx: ScaleRunContext,
  run: { from: number; to: number; artifact: string; plan: ScalePlan },
): Promise<number[]> {
  const latencies: number[] = [];
  let next = run.from;
  const worker = async () => {
    while (next < run.to && !ctx.signal.aborted) {
      const i = next++;
      const name = scaleFunctionName(i);
      const manifest = {
        apiVersion: 'tide.dev/v1',
        kind: 'Function',
        metadata: { name, labels: { team: `t${i % 7}` } },
        spec: {
          source: { artifact: run.artifact },
          env: { LOG_LEVEL: 'info', INDEX: String(i) },
          scale: { min: i % 10 === 0 ? 1 : 0, max: 5, scaleToZeroAfterSeconds: run.plan.scaleToZeroAfterSeconds, stableWindowSeconds: 6 },
        },
      };
      const started = performance.now();
      const res = await request(`${url}${API}/namespaces/default/functions/${name}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(manifest),
        dispatcher: ctx.apiAgent,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      const text = await res.body.text();
      latencies.push(performance.now() - started);
      if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`PUT function ${name} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: run.plan.applyConcurrency }, worker));
  ctx.signal.throwIfAborted();
  return latencies;
}

/** Reads a collection whole, page by page (`limit`, then `continue`), `listRepeats` times: each page's latency, each whole read's. */
async function timeList(url: string, path: string, headers: Record<string, string>, plan: ScalePlan, dispatcher: Dispatcher, expected: number) {
  const pagesMs: number[] = [];
  const wholeMs: number[] = [];
  for (let repeat = 0; repeat < plan.listRepeats; repeat++) {
    const wholeStarted = performance.now();
    let items = 0;
    let token: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const query = `?limit=${plan.listPageSize}${token === undefined ? '' : `&continue=${encodeURIComponent(token)}`}`;
      const started = performance.now();
      const res = await request(`${url}${path}${query}`, { headers, dispatcher, headersTimeout: 60_000, bodyTimeout: 60_000 });
      const text = await res.body.text();
      pagesMs.push(performance.now() - started);
      if (res.statusCode !== 200) throw new Error(`GET ${path}${query} answered ${res.statusCode}: ${text.slice(0, 300)}`);
      const body = JSON.parse(text) as { items: unknown[]; metadata: { continue?: string } };
      items += body.items.length;
      token = body.metadata.continue;
      if (token === undefined) break;
    }
    wholeMs.push(performance.now() - wholeStarted);
    if (items !== expected) throw new Error(`GET ${path} page by page listed ${items} items, expected ${expected}`);
  }
  return { pagesMs, wholeMs };
}

/** Polls a condition every 100 ms until it holds; throws with `progress()` once `timeoutMs` passes. */
async function waitUntil(condition: () => boolean, timeoutMs: number, signal: AbortSignal, progress: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    signal.throwIfAborted();
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs / 1000} s: ${progress()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function measureEvents(plan: ScalePlan, ctx: ScaleRunContext): Promise<{ emptyStartS: number; steps: EventStep[] }> {
  let emptyStartS = 0;
  const steps: EventStep[] = [];
  for (const events of plan.eventSteps) {
    ctx.signal.throwIfAborted();
    const step = await withTempDir('tide-scale-ev-', async (dataDir) => {
      // The control plane makes its data directory (rules, tokens, default namespace); its first start is the empty one.
      const first = await startControlPlane(dataDir, ctx.signal);
      emptyStartS = emptyStartS === 0 ? first.startS : Math.min(emptyStartS, first.startS);
      await stopTide(first.process);
      const writeStarted = performance.now();
      const logBytes = await appendHistory(join(dataDir, 'log'), events, plan.history);
      const writeS = (performance.now() - writeStarted) / 1000;
      await rm(join(dataDir, 'snapshots'), { recursive: true, force: true });
      ctx.log(`${events} events written (${(logBytes / 1e6).toFixed(0)} MB) in ${writeS.toFixed(1)} s; starting the control plane on them`);
      const measured = async () => {
        const started = await startControlPlane(dataDir, ctx.signal);
        try {
          return { ...started, rss: await processMemory(started.process.child.pid!) };
        } finally {
          await stopTide(started.process, 60_000);
        }
      };
      const cold = await measured();
      const coldRss = cold.rss;
      const warm = await measured();
      const warmRss = warm.rss;
      const step: EventStep = { events, logMb: logBytes / 1e6, writeS, coldStartS: cold.startS, coldRss, warmStartS: warm.startS, warmRss };
      ctx.log(`${events} events: start ${cold.startS.toFixed(1)} s replaying all (RSS ${coldRss.rssMb} MB), ${warm.startS.toFixed(1)} s from its snapshots`);
      return step;
    });
    steps.push(step);
  }
  return { emptyStartS, steps };
}

/** Appends `count` records of the history after what the log holds, with the log's own writer (scratch data: no fsync). */
async function appendHistory(logDir: string, count: number, history: ScalePlan['history']): Promise<number> {
  const log = await openEmbeddedLog(logDir, { fsync: false });
  try {
    const shape: HistoryShape = { ...history };
    const first = await log.endOffset(STATE_TOPIC);
    const generator = generateHistory(shape, first, Date.now() - count * 50);
    let bytes = 0;
    let batch: { value: Uint8Array; headers?: Record<string, string> }[] = [];
    for (let written = 0; written < count; written++) {
      const next = generator.next();
      if (next.done) throw new Error('the history generator ended'); // it never does
      const { event, writer } = next.value;
      const value = encodeEvent(event);
      bytes += value.byteLength;
      batch.push(writer === undefined ? { value } : { value, headers: { [WRITER_HEADER]: writer } });
      if (batch.length === 1_000) {
        await log.append(STATE_TOPIC, batch);
        batch = [];
      }
    }
    if (batch.length > 0) await log.append(STATE_TOPIC, batch);
    return bytes;
  } finally {
    await log.close();
  }
}
