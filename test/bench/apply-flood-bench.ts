import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { rememberApiToken } from '../support/api-auth.js';
import * as tideProcess from '../support/tide-process.js';
import type { FunctionBundle } from './function-bundle.js';
import { summarize, type LatencySummary } from './stats.js';
import type { StopList } from './stop-list.js';
import type { TempDirs } from './temp-dirs.js';
import { applyFunction, uploadArtifact } from './tide-api.js';

/**
 * An apply flood, as issue 14 saw it (1 465 functions with 100 KB env maps: RSS 264 MB → 1 GB,
 * a 249 MB snapshot rewritten whole, apply p99 10 s, restart 6 s), cut to run in about a minute on
 * 2 cores: `functions` functions with `envBytes` of env each, `concurrency` applies in flight, on a
 * `tide up --nodes 0` (no node: the control plane's write path, not pods starting), then a kill -9
 * and a restart on the same data directory.
 */
export const APPLY_FLOOD = { functions: 400, envBytes: 100_000, envVars: 50, concurrency: 8 };

export interface ApplyFloodResult {
  functions: number;
  envBytes: number;
  /** Bytes of every manifest PUT: the data the control plane is asked to keep. */
  manifestBytes: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** (RSS after − RSS before) / functions, against the manifest bytes per function. */
  rssPerFunctionKb: number;
  dataPerFunctionKb: number;
  applyMs: LatencySummary;
  floodSeconds: number;
  snapshots: { files: number; newestBytes: number; totalBytes: number };
  logBytes: number;
  /** kill -9, then `tide up` again on the same data: until it says it is up. */
  restartMs: number;
  rssAfterRestartMb: number;
}

/** Runs the flood against a fresh `tide up`; every process it starts is stopped before it returns. */
export async function runApplyFloodBench(
  temp: TempDirs,
  stops: StopList,
  hello: FunctionBundle,
  settings: typeof APPLY_FLOOD = APPLY_FLOOD,
): Promise<ApplyFloodResult> {
  const dataDir = await temp.make('tide-bench-flood-');
  const port = await tideProcess.freePort();
  const start = async () => {
    const started = await tideProcess.startTide({ dataDir, port, args: ['--nodes', '0'], timeoutMs: 120_000 });
    rememberApiToken(started.url, started.adminToken);
    return { started, stop: stops.add('tide up (apply flood)', () => tideProcess.stopTide(started)) };
  };
  const first = await start();
  const pid = first.started.child.pid!;
  const digest = await uploadArtifact(first.started.url, hello.bytes);
  const rssBeforeMb = await rssMb(pid);
  const latencies: number[] = [];
  let manifestBytes = 0;
  let next = 0;
  const floodStarted = performance.now();
  const worker = async () => {
    for (let i = next++; i < settings.functions; i = next++) {
      const env = envOf(i, settings.envVars, settings.envBytes);
      manifestBytes += JSON.stringify(env).length + 200;
      const t0 = performance.now();
      await applyFunction(first.started.url, `flood-${String(i).padStart(5, '0')}`, digest, { min: 0 }, env);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, worker));
  const floodSeconds = (performance.now() - floodStarted) / 1000;
  const rssAfterMb = await rssMb(pid);
  const snapshots = await snapshotFiles(join(dataDir, 'snapshots'));
  const logBytes = await treeBytes(join(dataDir, 'log'));

  // kill -9: a restart must load what is on disk, not what a graceful stop wrote.
  first.started.child.kill('SIGKILL');
  await first.started.exited;
  await first.stop();
  const restartStarted = performance.now();
  const second = await start();
  const restartMs = performance.now() - restartStarted;
  const rssAfterRestartMb = await rssMb(second.started.child.pid!);
  await second.stop();
  return {
    functions: settings.functions,
    envBytes: settings.envBytes,
    manifestBytes,
    rssBeforeMb,
    rssAfterMb,
    rssPerFunctionKb: ((rssAfterMb - rssBeforeMb) * 1024) / settings.functions,
    dataPerFunctionKb: manifestBytes / 1024 / settings.functions,
    applyMs: summarize(latencies),
    floodSeconds,
    snapshots,
    logBytes,
    restartMs,
    rssAfterRestartMb,
  };
}

/** `vars` variables of distinct random-looking text (no two functions share a value), `bytes` in all. */
function envOf(seed: number, vars: number, bytes: number): Record<string, string> {
  const each = Math.floor(bytes / vars);
  const env: Record<string, string> = {};
  for (let v = 0; v < vars; v++) {
    const unit = `${seed.toString(36)}-${v.toString(36)}-${((seed + 1) * 2_654_435_761 + v * 40_503).toString(36)}|`;
    env[`VAR_${v}`] = unit.repeat(Math.ceil(each / unit.length)).slice(0, each);
  }
  return env;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kb / 1024;
}

async function snapshotFiles(dir: string): Promise<ApplyFloodResult['snapshots']> {
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(dir, name))).size));
  return { files: names.length, newestBytes: sizes.at(-1) ?? 0, totalBytes: sizes.reduce((a, b) => a + b, 0) };
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
