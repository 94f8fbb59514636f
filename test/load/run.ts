/**
 * `npm run load -- reservations [--smoke] [--kafka]`: the reservation pipeline under a spike
 * (reservations/); `--kafka`: its own `tide up` runs on a mock Kafka cluster (kcat) instead of the embedded log.
 * `npm run load -- <scenario|all|list> [--url http://127.0.0.1:8080] [--callers N]`: drives a load
 * scenario against Tide and reports requests, errors, latency, time to scale and replicas over
 * time; writes test/load/out/<scenario>.json and .svg. Without --url it runs its own `tide up`
 * (temp data dir, free port) and stops it at the end, calling its API as its admin; against --url
 * it calls as TIDE_TOKEN. Bundled to test/load/out/run.mjs.
 */
import { setMaxListeners } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startMockKafka, type MockKafka } from '@tide/log-kafka/testing';
import { Agent } from 'undici';
import { rememberApiToken } from '../support/api-auth.js';
import { findRepoRoot } from '../support/repo-root.js';
import { freePort, startTide, stopTide, type StartedTide } from '../support/tide-process.js';
import { renderTable } from '../bench/table.js';
import { formatReport } from './report-text.js';
import type { LoadReport } from './report.js';
import { runScenario } from './run-scenario.js';
import type { Scenario, ScenarioOptions } from './scenario.js';
import { findScenario, scenarios } from './scenarios/index.js';
import { FULL_PLAN, runReservations, SMOKE_PLAN } from './reservations/run-reservations.js';
import { scaleCommand } from './scale/scale-command.js';
import type { ScalePart } from './scale/run-scale.js';

/** A hard stop per scenario, well above the ~1 minute each takes: a hung step must not hang the run. */
const BUDGET_PER_SCENARIO_MS = 5 * 60_000;
/** The scale run takes a few minutes on 2 cores; a hung step must still not hang it. */
const SCALE_BUDGET_MS = 20 * 60_000;
/** After Ctrl-C the run stops its callers and cleans up; if that hangs, this forces the exit. */
const FORCE_EXIT_AFTER_MS = 45_000;

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const outDir = join(repoRoot, 'test/load/out');
const abort = new AbortController();
// Every in-flight request listens on this signal: hundreds at once is the point, not a leak.
setMaxListeners(10_000, abort.signal);
const callerAgent = new Agent({ connections: 512, keepAliveTimeout: 10_000, pipelining: 1 });
const apiAgent = new Agent({ connections: 16, keepAliveTimeout: 10_000 });
let tide: StartedTide | undefined;
let mockKafka: MockKafka | undefined;
let dataDir: string | undefined;

const USAGE = `usage: npm run load -- <scenario|all|list> [--url http://127.0.0.1:8080] [--callers N]
       npm run load -- reservations [--smoke] [--kafka | --url http://127.0.0.1:8080]
       npm run load -- scale [--smoke] [--part functions|events]
with --url, the run's API calls and CLI commands carry TIDE_TOKEN (e.g. the admin token in <data>/admin.token)`;

function parse(): { command: string; url?: string; options: ScenarioOptions; smoke: boolean; kafka: boolean; part?: ScalePart } {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { url: { type: 'string' }, callers: { type: 'string' }, smoke: { type: 'boolean' }, kafka: { type: 'boolean' }, part: { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { positionals, values } = parsed;
  const command = positionals[0];
  if (!command || positionals.length > 1) throw new UsageError(USAGE);
  const callers = values.callers === undefined ? undefined : Number(values.callers);
  if (callers !== undefined && !(Number.isInteger(callers) && callers >= 1 && callers <= 500))
    throw new UsageError(`--callers must be a whole number from 1 to 500, got "${values.callers}"`);
  if (values.kafka && command !== RESERVATIONS) throw new UsageError(`--kafka is for the ${RESERVATIONS} run\n${USAGE}`);
  if (values.smoke && command !== RESERVATIONS && command !== SCALE) throw new UsageError(`--smoke is for the ${RESERVATIONS} and ${SCALE} runs\n${USAGE}`);
  if (command === SCALE && (values.url || values.callers))
    throw new UsageError(`${SCALE} starts its own control planes: it takes --smoke and --part only\n${USAGE}`);
  if (values.part !== undefined && (command !== SCALE || !['functions', 'events'].includes(values.part)))
    throw new UsageError(`--part is for the ${SCALE} run: functions or events\n${USAGE}`);
  if (values.kafka && values.url) throw new UsageError(`--kafka starts its own Tide on a mock cluster: give it or --url, not both\n${USAGE}`);
  return {
    command,
    url: values.url?.replace(/\/+$/, ''),
    options: callers === undefined ? {} : { callers },
    smoke: values.smoke === true,
    kafka: values.kafka === true,
    ...(values.part ? { part: values.part as ScalePart } : {}),
  };
}

class UsageError extends Error {
  override name = 'UsageError';
}

function selected(command: string): Scenario[] {
  if (command === 'all') return [...scenarios];
  const scenario = findScenario(command);
  if (!scenario) throw new UsageError(`unknown scenario "${command}"; one of: ${scenarios.map((s) => s.name).join(', ')}, all, list`);
  return [scenario];
}

/** The event-driven run: not a scenario of callers against one function, but a pipeline of three. */
const RESERVATIONS = 'reservations';
/** How the control plane's cost grows with functions, nodes and history (scale/). */
const SCALE = 'scale';

async function main(): Promise<void> {
  const { command, url, options, smoke, kafka, part } = parse();
  // A Tide given with --url: its API calls (and the CLI's) carry TIDE_TOKEN, as the CLI's would.
  const token = process.env.TIDE_TOKEN?.trim();
  if (url && token) rememberApiToken(url, token);
  if (command === 'list') {
    const width = Math.max(...scenarios.map((s) => s.name.length), RESERVATIONS.length);
    console.log(scenarios.map((s) => `${s.name.padEnd(width)}  ${s.summary}`).join('\n'));
    console.log(`${RESERVATIONS.padEnd(width)}  the reservation pipeline (gate → topic → reserve → report) under a spike; --smoke for a small one`);
    console.log(
      `${SCALE.padEnd(width)}  cost by functions (100 simulated nodes, up to 10 000) and by events in the log (up to 1 000 000); --smoke for a small one`,
    );
    return;
  }
  if (command === RESERVATIONS) return reservations(url, smoke, kafka);
  if (command === SCALE) return scale(smoke, part);
  const chosen = selected(command);
  const watchdog = setTimeout(
    () => stop(`still running after ${(chosen.length * BUDGET_PER_SCENARIO_MS) / 60_000} min`),
    chosen.length * BUDGET_PER_SCENARIO_MS,
  );
  await mkdir(outDir, { recursive: true });
  const base = url ?? (await startOwnTide());
  const reports: LoadReport[] = [];
  try {
    for (const scenario of chosen) {
      abort.signal.throwIfAborted();
      console.log(`\n${scenario.name} against ${base}`);
      const report = await runScenario(scenario, options, {
        url: base,
        repoRoot,
        outDir,
        signal: abort.signal,
        callerAgent,
        apiAgent,
        log: (line) => console.log(`  ${line}`),
      });
      console.log(`\n${formatReport(report)}\nwrote ${join(outDir, `${report.scenario}.svg`)} and .json`);
      reports.push(report);
    }
    if (reports.length > 1) console.log(`\n${overview(reports)}`);
  } finally {
    clearTimeout(watchdog);
  }
}

async function reservations(url: string | undefined, smoke: boolean, onKafka: boolean): Promise<void> {
  const watchdog = setTimeout(() => stop(`still running after ${BUDGET_PER_SCENARIO_MS / 60_000} min`), BUDGET_PER_SCENARIO_MS);
  try {
    await mkdir(outDir, { recursive: true });
    const base = url ?? (await startOwnTide(onKafka ? await startKafka() : undefined));
    console.log(`\n${RESERVATIONS}${smoke ? ' (smoke)' : ''} against ${base}${onKafka ? ` on Kafka (mock cluster at ${mockKafka?.brokers.join(',')})` : ''}`);
    const log = (line: string) => console.log(`  ${line}`);
    const result = await runReservations(smoke ? SMOKE_PLAN : FULL_PLAN, { url: base, repoRoot, outDir, signal: abort.signal, callerAgent, apiAgent, log });
    console.log(`\n${result.text}\nwrote ${join(outDir, 'reservations.json')}`);
    if (result.failed.length) {
      console.log(`\nFAILED: ${result.failed.join('; ')}`);
      process.exitCode = 1;
    } else console.log('\nOK: no reservation lost or doubled');
  } finally {
    clearTimeout(watchdog);
  }
}

async function scale(smoke: boolean, part: ScalePart | undefined): Promise<void> {
  const watchdog = setTimeout(() => stop(`still running after ${SCALE_BUDGET_MS / 60_000} min`), SCALE_BUDGET_MS);
  try {
    await mkdir(outDir, { recursive: true });
    await scaleCommand({ smoke, ...(part ? { part } : {}), repoRoot, outDir, apiAgent, signal: abort.signal });
  } finally {
    clearTimeout(watchdog);
  }
}

async function startOwnTide(env?: Record<string, string>): Promise<string> {
  dataDir = await mkdtemp(join(tmpdir(), 'tide-load-'));
  console.log(`starting tide up (data in ${dataDir})`);
  tide = await startTide({ dataDir, port: await freePort(), timeoutMs: 60_000, ...(env ? { env } : {}) });
  rememberApiToken(tide.url, tide.adminToken);
  return tide.url;
}

/** librdkafka's mock cluster (Debian's kcat): the environment that puts `tide up` on it. */
async function startKafka(): Promise<Record<string, string>> {
  mockKafka = await startMockKafka({ brokers: 3 });
  return { TIDE_KAFKA_BROKERS: mockKafka.brokers.join(',') };
}

function overview(reports: LoadReport[]): string {
  const rows = reports.map((r) => {
    const firstScale = r.steps.find((s) => s.firstScale)?.firstScale;
    return [
      r.scenario,
      r.requests,
      Object.values(r.errors).reduce((a, b) => a + b, 0),
      r.latencyMs.p50,
      r.latencyMs.p99,
      r.latencyMs.max,
      firstScale ? firstScale.medianMs / 1000 : '-',
    ];
  });
  return renderTable('All scenarios', ['scenario', 'requests', 'errors', 'p50 ms', 'p99 ms', 'max ms', 'first ScaleSet s'], rows);
}

/** Stops callers; main's finally and cleanup() then remove functions, stop Tide and the temp dir. */
function stop(reason: string): void {
  if (abort.signal.aborted) return;
  console.error(`\nload run stopping: ${reason}`);
  abort.abort(new Error(reason));
  setTimeout(() => {
    console.error(`cleanup did not finish within ${FORCE_EXIT_AFTER_MS / 1000} s; killing tide up`);
    tide?.child.kill('SIGKILL');
    process.exit(1);
  }, FORCE_EXIT_AFTER_MS).unref();
}

async function cleanup(): Promise<void> {
  await Promise.allSettled([callerAgent.destroy(), apiAgent.destroy()]);
  await stopTide(tide).catch((error: Error) => console.error(`could not stop tide up: ${error.message}`));
  await mockKafka?.stop().catch((error: Error) => console.error(`could not stop the mock Kafka cluster: ${error.message}`));
  if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }).catch((error: Error) => console.error(error.message));
}

process.once('SIGINT', () => stop('interrupted'));
process.once('SIGTERM', () => stop('terminated'));
try {
  await main();
} catch (error) {
  if (error instanceof UsageError) console.error(error.message);
  else if (!abort.signal.aborted) {
    console.error(error);
    if (tide) console.error(`--- tide up output (last 4 000 chars) ---\n${tide.output().slice(-4_000)}`);
  }
  process.exitCode = 1;
} finally {
  await cleanup();
}
