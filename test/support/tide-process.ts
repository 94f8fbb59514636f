import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from './repo-root.js';

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const cliEntry = join(repoRoot, 'packages/cli/dist/main.js');

/**
 * The bootstrap token of each control plane a test started (`<data>/bootstrap.token`), by URL:
 * a node a test starts against it joins with it, as `tide up --nodes N` gives its own nodes.
 */
const bootstrapTokens = new Map<string, string>();

function rememberBootstrapToken(url: string, dataDir: string | undefined): void {
  const file = dataDir === undefined ? undefined : join(dataDir, 'bootstrap.token');
  if (file && existsSync(file)) bootstrapTokens.set(url.replace(/\/+$/, ''), readFileSync(file, 'utf8').trim());
}

/** The bootstrap token of a control plane a test started, to give `tide node` (TIDE_BOOTSTRAP_TOKEN). */
export function bootstrapTokenOf(server: string): string | undefined {
  return bootstrapTokens.get(server.split(',')[0]!.trim().replace(/\/+$/, ''));
}

/**
 * A token for a separate `tide gateway` or `tide triggers` (TIDE_TOKEN), made with the admin token
 * of the Tide in `dataDir`, as an admin does with `tide token create NAME --gateway`.
 */
export async function componentToken(
  server: string,
  dataDir: string,
  kind: 'gateway' | 'triggers',
  name = `${kind}-${process.pid}-${++tokensMade}`,
): Promise<string> {
  const admin = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const res = await fetch(`${server}/apis/tide.dev/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name }, spec: { subject: { kind } } }),
  });
  if (res.status !== 201) throw new Error(`minting a ${kind} token at ${server}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
let tokensMade = 0;

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface TideProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `tide up` as a real process and resolves once it says it is up. */
export async function startTide(options: {
  dataDir: string;
  port: number;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<TideProcess> {
  const tide = await startTideCommand({
    args: ['up', '--port', String(options.port), '--data', options.dataDir, ...(options.args ?? [])],
    ...(options.env ? { env: options.env } : {}),
    ready: /Tide is up at/,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  const url = `http://127.0.0.1:${options.port}`;
  rememberBootstrapToken(url, options.dataDir);
  return { ...tide, url };
}

/** Stops a Tide process: SIGTERM first (graceful), SIGKILL if it lingers. */
export async function stopTide(tide: TideProcess | undefined, timeoutMs = 15_000): Promise<void> {
  if (!tide || tide.child.exitCode !== null || tide.child.signalCode !== null) return;
  tide.child.kill('SIGTERM');
  const timer = setTimeout(() => tide.child.kill('SIGKILL'), timeoutMs);
  await tide.exited;
  clearTimeout(timer);
}

/** Pids of live processes whose command line mentions every needle (e.g. a test's data directory). */
export function processesMentioning(...needles: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z' && needles.every((needle) => cmdline.includes(needle))) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Runs the tide CLI to completion. */
export function runCli(
  args: string[],
  options: { server: string; timeoutMs?: number; input?: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', TIDE_SERVER: options.server },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tide ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `tide node` as a real process against a running Tide, and resolves once it is up. It
 * joins with the bootstrap token of the Tide the test started at `server` (or the one given).
 */
export async function startNode(options: {
  server: string;
  name: string;
  dataDir: string;
  args?: string[];
  timeoutMs?: number;
  bootstrapToken?: string;
}): Promise<TideProcess> {
  const bootstrapToken = options.bootstrapToken ?? bootstrapTokenOf(options.server);
  const node = await startTideCommand({
    args: ['node', '--server', options.server, '--name', options.name, '--data', options.dataDir, ...(options.args ?? [])],
    ...(bootstrapToken ? { env: { TIDE_BOOTSTRAP_TOKEN: bootstrapToken } } : {}),
    ready: / is up \(boot /,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return { ...node, url: options.server };
}

/** Starts any long-running tide command (control-plane, gateway, node) and resolves once its output matches `ready`. */
export async function startTideCommand(options: { args: string[]; env?: Record<string, string>; ready: RegExp; timeoutMs?: number }): Promise<TideProcess> {
  const child = spawn(process.execPath, [cliEntry, ...options.args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!options.ready.test(output)) {
    if (gone) throw new Error(`tide ${options.args.join(' ')} exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tide ${options.args.join(' ')} was not ready in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const url = /is up at (http:\/\/[^\s,]+)/.exec(output)?.[1] ?? '';
  const dataFlag = options.args.indexOf('--data');
  if (url && dataFlag >= 0) rememberBootstrapToken(url, options.args[dataFlag + 1]);
  return { child, url, output: () => output, exited };
}
