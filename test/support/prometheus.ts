import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { eventually } from '@tide/testkit/testing';
import { freePort } from './tide-process.js';

/**
 * Real Prometheus tools for the metrics tests: `promtool` and `prometheus` from Debian's
 * `prometheus` package (.ci/run installs it). Missing, a test fails saying so under CI=true and is
 * skipped elsewhere, its reason printed (`toolOrSkip`).
 */
export function findTool(name: 'promtool' | 'prometheus'): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  return dirs.map((dir) => join(dir, name)).find((path) => path.startsWith('/') && existsSync(path));
}

/** The tool's path; undefined (test to be skipped) where it is missing outside CI, a thrown error under CI=true. */
export function toolOrSkip(name: 'promtool' | 'prometheus'): string | undefined {
  const path = findTool(name);
  if (path) return path;
  const why = `${name} is not installed: apt-get install prometheus (Debian's package has promtool and prometheus; .ci/run installs it)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
  process.stderr.write(`skipping the tests that need ${name}: ${why}\n`);
  return undefined;
}

/** `promtool check metrics` on a scrape: its exit code and what it said (nothing when clean). */
export function promtoolCheck(promtool: string, exposition: string): { code: number | null; output: string } {
  const run = spawnSync(promtool, ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 20_000 });
  return { code: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

/** GET /metrics as Prometheus does (with a bearer token where the endpoint asks for one). */
export async function scrape(url: string, token?: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}/metrics answered ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/**
 * The metric families of a scrape by the names PromQL sees: a counter `x_total`, a gauge `x`, a
 * histogram `x` (whose series are `x_bucket`, `x_sum`, `x_count`), read from the `# TYPE` lines.
 */
export function familiesOf(exposition: string): Map<string, string> {
  return new Map([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

export interface RunningPrometheus {
  url: string;
  /** The values of an instant PromQL query, as `{labels} value` strings sorted; [] when it has no result. */
  query(promql: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * A real Prometheus scraping one target every second, with its own config and data dir under
 * `dir`, on a free port of 127.0.0.1. Resolves once it answers /-/ready.
 */
export async function startPrometheus(options: { binary: string; dir: string; target: string; credentialsFile?: string }): Promise<RunningPrometheus> {
  const port = await freePort();
  const config = join(options.dir, 'prometheus.yml');
  const target = new URL(options.target);
  await writeFile(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: tide',
      ...(options.credentialsFile ? ['    authorization:', `      credentials_file: ${options.credentialsFile}`] : []),
      '    static_configs:',
      `      - targets: ["${target.host}"]`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    options.binary,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(options.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${output}`);
        expect200(await fetch(`${url}/-/ready`).catch(() => undefined));
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw new Error(`prometheus did not become ready at ${url}: ${(error as Error).message}\n${output}`);
  }
  return {
    url,
    stop,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error ?? res.status}`);
      return body.data!.result.map(({ metric, value }) => `${JSON.stringify(metric)} ${value[1]}`).sort();
    },
  };
}

function expect200(res: Response | undefined): void {
  if (res?.status !== 200) throw new Error(`not ready (${res?.status ?? 'no answer'})`);
}
