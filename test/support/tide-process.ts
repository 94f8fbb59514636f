import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from './repo-root.js';

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const cliEntry = join(repoRoot, 'packages/cli/dist/main.js');

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

/**
 * What the tests' tide processes inherit: PATH, HOME and this run's CLI config (TIDE_CONFIG, set by
 * cli-config-setup.ts), where a `tide up` names its admin token for the CLI commands run next.
 */
export function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    ...(process.env.TIDE_CONFIG ? { TIDE_CONFIG: process.env.TIDE_CONFIG } : {}),
  };
}

/** The admin token a Tide wrote into its data directory at first start. */
export function adminTokenIn(dataDir: string): string {
  return readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
}

/** `authorization: Bearer <token>`, for a test's own API requests. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** A `tide up`, with its cluster admin's credential for the test's own API requests. */
export interface StartedTide extends TideProcess {
  adminToken: string;
  /** `authorization: Bearer <admin token>`. */
  headers: Record<string, string>;
}

/** Starts `tide up` as a real process and resolves once it says it is up. */
export async function startTide(options: {
  dataDir: string;
  port: number;
  args?: string[];
  env?: Record<string, string>;
  /** Flags for node itself, before the CLI's path (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  timeoutMs?: number;
}): Promise<StartedTide> {
  const tide = await startTideCommand({
    args: ['up', '--port', String(options.port), '--data', options.dataDir, ...(options.args ?? [])],
    ...(options.env ? { env: options.env } : {}),
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    ready: /Tide is up at/,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  const adminToken = adminTokenIn(options.dataDir);
  return { ...tide, url: `http://127.0.0.1:${options.port}`, adminToken, headers: bearer(adminToken) };
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

/**
 * A bwrap killed with its agent (kill -9) while it set a sandbox up leaves its child, the sandbox's
 * pid 1, waiting for it forever: asleep, before any function code ran. The next agent on that data
 * directory kills it at start. True for such a process.
 */
export function stuckInSandboxSetup(pid: number): boolean {
  try {
    if (!isSandboxInit(pid)) return false;
    const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean),
    );
    return children.length === 0;
  } catch {
    return false; // gone
  }
}

/**
 * A sandbox's pid 1: the bwrap process inside a pod's PID namespace, between the bwrap the agent
 * started and the pod's runtime (the three share a command line).
 */
export function isSandboxInit(pid: number): boolean {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'bwrap') return false;
    const nsPids =
      /^NSpid:\s+(.*)$/m
        .exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
        ?.trim()
        .split(/\s+/) ?? [];
    return nsPids.length > 1 && nsPids.at(-1) === '1';
  } catch {
    return false; // gone
  }
}

/** The process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Runs the tide CLI to completion. Against a `tide up` of this run it finds the admin token by
 * itself (TIDE_CONFIG); `token` (TIDE_TOKEN) is for other servers, or to act as someone else.
 */
export function runCli(
  args: string[],
  options: { server?: string; token?: string; timeoutMs?: number; input?: string; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd: repoRoot,
      env: {
        ...baseEnv(),
        ...(options.server ? { TIDE_SERVER: options.server } : {}),
        ...(options.token ? { TIDE_TOKEN: options.token } : {}),
        ...options.env,
      },
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

/** Starts `tide node` as a real process against a running Tide, and resolves once it is up. */
export async function startNode(options: { server: string; name: string; dataDir: string; args?: string[]; timeoutMs?: number }): Promise<TideProcess> {
  const node = await startTideCommand({
    args: ['node', '--server', options.server, '--name', options.name, '--data', options.dataDir, ...(options.args ?? [])],
    ready: / is up \(boot /,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return { ...node, url: options.server };
}

/** Starts any long-running tide command (control-plane, gateway, node) and resolves once its output matches `ready`. */
export async function startTideCommand(options: {
  args: string[];
  env?: Record<string, string>;
  nodeArgs?: string[];
  ready: RegExp;
  timeoutMs?: number;
  /** Stops the wait (and kills the process) when aborted, e.g. on Ctrl-C. */
  signal?: AbortSignal;
}): Promise<TideProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cliEntry, ...options.args], {
    cwd: repoRoot,
    env: { ...baseEnv(), ...options.env },
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
    if (options.signal?.aborted) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`tide ${options.args.join(' ')}: stopped while waiting for it to be ready`, { cause: options.signal.reason });
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tide ${options.args.join(' ')} was not ready in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, url: /is up at (http:\/\/[^\s,]+)/.exec(output)?.[1] ?? '', output: () => output, exited };
}
