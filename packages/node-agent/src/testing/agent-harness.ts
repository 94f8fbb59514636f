// Helpers for this package's process tests (not part of the public surface).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPodSandbox, SandboxUnavailableError } from '../adapters/pod-sandbox.js';
import { openNodeAgent, type NodeAgent, type NodeAgentOptions } from '../node-agent.js';
import type { PodReport, PodRunSpec } from '../pod-types.js';
import { defaultRuntimeEntry } from '../runtime-entry.js';

/**
 * Opens the bwrap sandbox once as an agent would: why this machine cannot run it (then a sandbox's
 * tests are skipped saying so), or what it does with pods' system calls (the seccomp filter).
 */
export function sandboxCheck(): { unavailable: string } | { unavailable?: undefined; syscalls: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tide-sandbox-check-'));
  try {
    const sandbox = openPodSandbox({ dataDir: dir, nodePath: process.execPath, runtimeEntry: defaultRuntimeEntry() });
    sandbox.close();
    return { syscalls: sandbox.syscalls };
  } catch (error) {
    if (error instanceof SandboxUnavailableError) return { unavailable: error.message };
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function makeTempDir(prefix = 'tide-agent-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function writeArtifact(dir: string, name: string, source: string): Promise<string> {
  const path = join(dir, `${name}.mjs`);
  await writeFile(path, source);
  return path;
}

export function podSpec(name: string, artifactPath: string, overrides: Partial<PodRunSpec> = {}): PodRunSpec {
  return {
    name,
    namespace: 'default',
    functionName: 'hello',
    revision: 'hello-00001',
    artifactPath,
    env: {},
    memoryMb: 64,
    timeoutSeconds: 5,
    terminationGraceSeconds: 5,
    ...overrides,
  };
}

export interface TestAgent {
  agent: NodeAgent;
  reports: PodReport[];
  logs: Array<{ pod: string; stream: string; line: string }>;
  /** Resolves with the first report (past or future) matching; fails after timeoutMs. */
  waitForReport(match: (report: PodReport) => boolean, what: string, timeoutMs?: number): Promise<PodReport>;
}

/** Opens an agent; with a warm pool it resolves once the pool is full, so the next start surely takes from it. */
export async function openTestAgent(options: Omit<NodeAgentOptions, 'onReport'>, { waitForPool = true } = {}): Promise<TestAgent> {
  const reports: PodReport[] = [];
  const logs: TestAgent['logs'] = [];
  const waiters = new Set<() => void>();
  const agent = await openNodeAgent({
    ...options,
    onReport: (report) => {
      reports.push(report);
      for (const waiter of waiters) waiter();
    },
    onLog: (pod, stream, line) => logs.push({ pod, stream, line }),
  });
  const waitForReport = (match: (report: PodReport) => boolean, what: string, timeoutMs = 10_000) =>
    new Promise<PodReport>((resolve, reject) => {
      const check = () => {
        const found = reports.find(match);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no report for ${what} within ${timeoutMs} ms; got ${JSON.stringify(reports)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const poolSize = agent.warmPool().size;
  // Bounded like the agent's own warm-up (30 s): a sandboxed pool on a loaded 2-core machine may take most of it.
  if (poolSize > 0 && waitForPool) await waitUntil(() => agent.warmPool().idle >= poolSize, `${poolSize} idle warm-pool processes`, 30_000);
  return { agent, reports, logs, waitForReport };
}

/** Alive and not a zombie. */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > giveUpAt) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
