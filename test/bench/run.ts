/**
 * `npm run bench`: Tide's figures side by side — durable log appends, state rebuild from 100 000
 * events, deploy → first 200, warm-call latency and throughput through the gateway vs direct.
 * Printed as tables and written to test/bench/out/results.json. Bundled to test/bench/out/run.mjs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { TideProcess } from '../support/tide-process.js';
import { runCallBench } from './call-bench.js';
import { runDeployBench } from './deploy-bench.js';
import { bundleHello } from './hello-bundle.js';
import { deployHello } from './hello-pod.js';
import { runLogBench } from './log-bench.js';
import { describeMachine } from './machine.js';
import { runReplayBench } from './replay-bench.js';
import { findRepoRoot } from '../support/repo-root.js';
import { callReport, deployReport, logReport, machineHeader, replayReport } from './report.js';
import { createTempDirs } from './temp-dirs.js';
import * as tideProcess from '../support/tide-process.js';

/** A hard stop well above the ~2-3 minutes a run takes on 2 cores: a hung step must not hang `npm run bench`. */
const BUDGET_MS = 6 * 60_000;

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const outDir = join(repoRoot, 'test/bench/out');
const temp = createTempDirs();
let tide: TideProcess | undefined;
let cleaning: Promise<void> | undefined;
let aborted = false;

/** Stops Tide (and with it its pods) and removes every temp dir; safe to call more than once. */
function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    await tideProcess.stopTide(tide).catch((error: Error) => console.error(`could not stop tide up: ${error.message}`));
    await temp.removeAll().catch((error: Error) => console.error(error));
  })());
}

/** Stops a run that was interrupted or overran its budget: whatever step is under way is abandoned. */
function abort(reason: string): void {
  aborted = true;
  console.error(`\nbench aborted: ${reason}; stopping Tide and removing temp dirs`);
  void cleanup().finally(() => process.exit(1));
}

async function main(): Promise<void> {
  const started = performance.now();
  const machine = describeMachine();
  console.log(`${machineHeader(machine)}\n`);

  const log = await runLogBench(temp);
  console.log(`${logReport(log)}\n`);

  const replay = await runReplayBench(temp);
  console.log(`${replayReport(replay)}\n`);

  const { url, pid, podEndpoint, hello } = await startTideWithHello();
  const deploy = await runDeployBench(url, hello);
  console.log(`${deployReport(deploy)}\n`);
  const calls = await runCallBench({ tideUrl: url, podEndpoint, tidePid: pid });
  console.log(`${callReport(calls)}\n`);

  const seconds = (performance.now() - started) / 1000;
  await mkdir(outDir, { recursive: true });
  const resultsFile = join(outDir, 'results.json');
  await writeFile(resultsFile, `${JSON.stringify({ machine, seconds, log, replay, deploy, calls }, null, 2)}\n`);
  console.log(`done in ${seconds.toFixed(1)} s; figures in ${resultsFile}`);
}

/** The `tide up` of sections 3 and 4 (own data dir and port), with hello deployed and answering. */
async function startTideWithHello() {
  const hello = await bundleHello(repoRoot);
  tide = await tideProcess.startTide({ dataDir: await temp.make('tide-bench-up-'), port: await tideProcess.freePort(), timeoutMs: 60_000 });
  // hello first: it warms Tide up, so the first measured deploy is not also the process's first.
  const { podEndpoint } = await deployHello(tide.url, hello);
  return { url: tide.url, pid: tide.child.pid, podEndpoint, hello };
}

const watchdog = setTimeout(() => abort(`still running after ${BUDGET_MS / 1000} s`), BUDGET_MS);
process.once('SIGINT', () => abort('interrupted'));
process.once('SIGTERM', () => abort('terminated'));
try {
  await main();
} catch (error) {
  // After an abort, the step under way fails as its files vanish: that is a consequence, not news.
  if (!aborted) console.error(error);
  if (tide && !aborted) console.error(`--- tide up output (last 4 000 chars) ---\n${tide.output().slice(-4_000)}`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
