/**
 * `npm run bench`: Tide's figures side by side — durable log appends, state rebuild from 100 000
 * events, deploy → first 200, proxy overhead (direct vs nginx vs the gateway), cold starts with and
 * without the warm pool, load step → first scale decision, and Kafka triggers (record produced →
 * function invoked, trigger throughput) on the embedded log and the mock cluster, what the bwrap sandbox adds to a cold start, a neighbouring function's latency while another tenant abuses its pod, and what tracing costs a call (off, 1 %, 100 %). Printed as tables and written to
 * test/bench/out/results.json. Bundled to test/bench/out/run.mjs. `--smoke` (or TIDE_BENCH_SMOKE=1): every
 * section with tiny counts, figures to test/bench/out/results-smoke.json, and a missing tool is fatal.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { TideProcess } from '../support/tide-process.js';
import { runColdStartBench, type ColdStartResult } from './cold-start-bench.js';
import { runDeployBench } from './deploy-bench.js';
import { bundleFunction, type FunctionBundle } from './function-bundle.js';
import { deployHello } from './hello-pod.js';
import { runLogBench } from './log-bench.js';
import { describeMachine } from './machine.js';
import { runProxyOverhead, type ProxyOverheadResult } from './proxy-overhead.js';
import { startHaproxyIngressWay } from './haproxy-ingress-way.js';
import { haproxyIngressReport } from './haproxy-ingress-report.js';
import { runReplayBench } from './replay-bench.js';
import { runApplyFloodBench } from './apply-flood-bench.js';
import { applyFloodReport, replayGoalReport } from './fold-report.js';
import { rememberApiToken } from '../support/api-auth.js';
import { findRepoRoot } from '../support/repo-root.js';
import {
  coldStartReport,
  deployReport,
  failoverReport,
  logReport,
  machineHeader,
  nodesDeployReport,
  kafkaReport,
  proxyReport,
  replayReport,
  sandboxReport,
  scaleStepReport,
  schedulerReport,
  triggersReport,
} from './report.js';
import { runTriggersBench, type TriggersBenchResult } from './triggers-bench.js';
import { runAgentSandboxBench, runSandboxBench } from './sandbox-bench.js';
import { runAbuseBench } from './abuse-bench.js';
import { abuseReport } from './abuse-report.js';
import { runTracingBench } from './tracing-bench.js';
import { type GoalInputs, performanceGoalsReport } from './goals-report.js';
import { runNodeStartBench } from './node-start-bench.js';
import { tracingReport } from './tracing-report.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import { runSchedulerBench } from './scheduler-bench.js';
import { runKafkaBench, type KafkaBenchResult } from './kafka-bench.js';
import { runFailoverBench, type FailoverBenchResult } from './failover-bench.js';
import { runScaleStepBench } from './scale-step-bench.js';
import { createStopList } from './stop-list.js';
import { createTempDirs } from './temp-dirs.js';
import { isSmokeRun, missingTools, useSmokeSettings } from './smoke.js';
import * as tideProcess from '../support/tide-process.js';

/** A hard stop well above the ~11 minutes a run takes on 2 cores (section 12 alone ~2.5, section 13 ~2, the apply flood ~1; plus a first apt-get install of nginx): a hung step must not hang `npm run bench`. */
const BUDGET_MS = 16 * 60_000;

const smoke = isSmokeRun(process.argv.slice(2), process.env);
if (smoke) useSmokeSettings();

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const outDir = join(repoRoot, 'test/bench/out');
const temp = createTempDirs();
const stops = createStopList((message) => console.error(message));
/** The latest `tide up`, whose output is printed if a step fails. */
let tide: TideProcess | undefined;
let cleaning: Promise<void> | undefined;
let aborted = false;

/** Stops nginx and every Tide (and with them their pods), then removes every temp dir; safe to call more than once. */
function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    await stops.stopAll();
    await temp.removeAll().catch((error: Error) => console.error(error));
  })());
}

/** Stops a run that was interrupted or overran its budget: whatever step is under way is abandoned. */
function abort(reason: string): void {
  aborted = true;
  console.error(`\nbench aborted: ${reason}; stopping nginx and Tide and removing temp dirs`);
  void cleanup().finally(() => process.exit(1));
}

/**
 * `npm run bench -- <section>...` runs only the sections named (e.g. `npm run bench -- sandbox`);
 * none named runs them all. `deploy` is sections 3–5 (they share one tide up).
 */
const SECTIONS = ['log', 'replay', 'deploy', 'cold-start', 'scheduler', 'nodes', 'kafka', 'failover', 'triggers', 'sandbox', 'abuse', 'tracing'] as const;
type Section = (typeof SECTIONS)[number];
const named = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = named.filter((name) => !(SECTIONS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`npm run bench: no section ${unknown.map((name) => JSON.stringify(name)).join(', ')}; the sections are ${SECTIONS.join(', ')}`);
  process.exit(2);
}
const runs = (section: Section) => named.length === 0 || named.includes(section);

async function main(): Promise<void> {
  const started = performance.now();
  const machine = describeMachine();
  console.log(`${machineHeader(machine)}${smoke ? '\nsmoke mode: every section with tiny counts; the figures show that each step runs, not how fast' : ''}\n`);
  const results: Record<string, unknown> = { machine };

  if (runs('log')) {
    const log = (results.log = await runLogBench(temp));
    console.log(`${logReport(log)}\n`);
  }

  if (runs('replay')) {
    const replay = (results.replay = await runReplayBench(temp));
    console.log(`${replayReport(replay)}\n${replayGoalReport(replay)}\n`);
  }

  const [hello, sleepFn] = await Promise.all([bundleFunction(repoRoot, 'hello'), bundleFunction(repoRoot, 'sleep')]);
  if (runs('replay')) {
    const flood = (results.applyFlood = await runApplyFloodBench(temp, stops, hello));
    console.log(`${applyFloodReport(flood)}\n`);
  }
  let proxy: ProxyOverheadResult | undefined;
  if (runs('deploy')) {
    const shared = await startBenchTide({});
    // hello first: it warms Tide up, so the first measured deploy is not also the process's first.
    const { podEndpoint } = await deployHello(shared.url, hello);
    const deploy = (results.deploy = await runDeployBench(shared.url, hello));
    console.log(`${deployReport(deploy)}\n`);
    const haproxy = await startHaproxyIngressWay({ tideUrl: shared.url, dataDir: shared.dataDir, temp, stops });
    const extraWays = haproxy.found ? [haproxy.way] : [];
    proxy = results.proxy = await runProxyOverhead({
      tideUrl: shared.url,
      tidePid: shared.pid,
      podEndpoint,
      temp,
      stops,
      log: (line) => console.log(line),
      extraWays,
    });
    console.log(`${proxyReport(proxy)}\n${haproxyIngressReport(haproxy, proxy.ways)}\n`);
    const scaleStep = (results.scaleStep = await runScaleStepBench(shared.url, sleepFn));
    console.log(`${scaleStepReport(scaleStep)}\n`);
    await shared.stop();
  }

  if (runs('cold-start')) {
    // Each mode on a fresh Tide with nothing else deployed, one after the other.
    const coldStart = (results.coldStart = {
      pool: await coldStartsOn({}, 'bench-cold-pool', hello),
      noPool: await coldStartsOn({ TIDE_WARM_POOL: '0' }, 'bench-cold-nopool', hello),
    });
    const nodeStart = (results.nodeStart = await runNodeStartBench());
    console.log(`${coldStartReport(coldStart, nodeStart)}\n`);
  }

  if (runs('scheduler')) {
    const scheduler = (results.scheduler = await runSchedulerBench(temp));
    console.log(`${schedulerReport(scheduler)}\n`);
  }

  if (runs('nodes')) {
    const threeNodes = await startBenchTide({}, ['--nodes', '3']);
    await deployHello(threeNodes.url, hello);
    const nodesDeploy = (results.nodesDeploy = await runDeployBench(threeNodes.url, hello));
    console.log(`${nodesDeployReport(nodesDeploy)}\n`);
    await threeNodes.stop();
  }

  let kafka: KafkaBenchResult | undefined;
  if (runs('kafka')) {
    kafka = results.kafka = await runKafkaBench(temp);
    console.log(`${kafkaReport(kafka)}\n`);
  }

  let failover: FailoverBenchResult | undefined;
  if (runs('failover')) {
    failover = results.failover = await runFailoverBench(temp, stops);
    console.log(`${failoverReport(failover)}\n`);
  }

  let triggers: TriggersBenchResult | undefined;
  if (runs('triggers')) {
    triggers = results.triggers = await runTriggersBench(temp, stops, (line) => console.error(line));
    console.log(`${triggersReport(triggers)}\n`);
  }

  if (runs('sandbox')) {
    const sandbox = (results.sandbox = { ...(await runSandboxBench(startBenchTide, hello)), agent: await runAgentSandboxBench(temp) });
    console.log(`${sandboxReport(sandbox)}\n`);
  }

  if (runs('abuse')) {
    const abuse = (results.abuse = await runAbuseBench(startBenchTide, repoRoot));
    console.log(`${abuseReport(abuse)}\n`);
  }

  if (runs('tracing')) {
    const receiver = await startOtlpReceiver({ keep: false });
    const started: (() => Promise<void>)[] = [];
    try {
      const tracing = (results.tracing = await runTracingBench(
        async (env) => {
          const one = await startBenchTide(env);
          started.push(one.stop);
          return one;
        },
        hello,
        receiver,
      ));
      console.log(`${tracingReport(tracing)}\n`);
    } finally {
      for (const stop of started) await stop();
      await receiver.close();
    }
  }

  console.log(`${performanceGoalsReport(results as GoalInputs)}\n`);

  const seconds = (performance.now() - started) / 1000;
  results.seconds = seconds;
  const missing = missingTools({ proxy, kafka, failover, triggers });
  if (missing.length > 0)
    console.log(
      `missing tools (apt-get install -y ${[...new Set(missing.map((m) => m.split(':')[0]))].join(' ')}):\n${missing.map((m) => `  ${m}`).join('\n')}`,
    );
  await mkdir(outDir, { recursive: true });
  // A run of some sections does not overwrite the figures of a whole run.
  const name = `results${smoke ? '-smoke' : ''}${named.length > 0 ? `-${named.join('-')}` : ''}.json`;
  const resultsFile = join(outDir, name);
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`done in ${seconds.toFixed(1)} s; figures in ${resultsFile}`);
  // A smoke run is a check: a section that could not run for want of a tool is a failure, not a footnote.
  if (smoke && missing.length > 0) {
    console.error(`smoke run failed: ${missing.length} section(s) lacked a tool: ${missing.join('; ')}`);
    process.exitCode = 1;
  }
  // A bus whose trigger chain failed printed its error in place of figures: a full run still reports the rest, a smoke run fails.
  const triggerFailures = triggers?.runs.filter((run) => run.failed) ?? [];
  if (smoke && triggerFailures.length > 0) {
    console.error(`smoke run failed: section 11 failed on ${triggerFailures.map((run) => `${run.bus} (${run.failed})`).join('; ')}`);
    process.exitCode = 1;
  }
}

/** A `tide up` of its own (data dir, free port, `env` added), stopped by cleanup if the run fails. */
async function startBenchTide(env: Record<string, string>, args: string[] = []) {
  const dataDir = await temp.make('tide-bench-up-');
  const started = await tideProcess.startTide({ dataDir, port: await tideProcess.freePort(), env, args, timeoutMs: 60_000, ...profileArgs() });
  tide = started;
  rememberApiToken(started.url, started.adminToken);
  const stop = stops.add('tide up', () => tideProcess.stopTide(started));
  return { url: started.url, pid: started.child.pid, dataDir, stop, output: started.output };
}

/** TIDE_BENCH_CPU_PROF=<dir>: every `tide up` of the run writes a V8 CPU profile there when it stops (see what a figure is made of). */
function profileArgs(): { nodeArgs?: string[] } {
  const dir = process.env.TIDE_BENCH_CPU_PROF;
  return dir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(dir)}`] } : {};
}

/** ~20 cold starts on a fresh Tide started with `env`; counts its warm-pool processes once all are at zero. */
async function coldStartsOn(env: Record<string, string>, prefix: string, hello: FunctionBundle): Promise<ColdStartResult> {
  const cold = await startBenchTide(env);
  // Pool processes carry the pool's directory in their command line (mode "pool"); pods spawned for a pod do not.
  const poolDir = join(cold.dataDir, 'node', 'pool');
  const result = await runColdStartBench(cold.url, hello, { prefix, countPoolProcesses: () => tideProcess.processesMentioning(poolDir).length });
  await cold.stop();
  return result;
}

const watchdog = setTimeout(() => abort(`still running after ${BUDGET_MS / 1000} s`), BUDGET_MS);
process.once('SIGINT', () => abort('interrupted'));
process.once('SIGTERM', () => abort('terminated'));
try {
  await main();
} catch (error) {
  // After an abort, the step under way fails as its files vanish: that is a consequence, not news.
  if (!aborted) console.error(error);
  if (tide && !aborted) console.error(`--- latest tide up's output (last 4 000 chars) ---\n${tide.output().slice(-4_000)}`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
