import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DriftRepair } from './core/audit.js';
import type { NodeAgent, NodeAgentOptions } from './node-agent.js';
import type { PodRunSpec } from './pod-types.js';
import { makeTempDir, openTestAgent, podSpec, processIsRunning, waitUntil, writeArtifact } from './testing/agent-harness.js';

const _runtimeEntry = createRequire(import.meta.url).resolve('@tide/runtime/main');

let temp: Awaited<ReturnType<typeof makeTempDir>>;
const agents: NodeAgent[] = [];
const strays: ChildProcess[] = [];

beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  for (const stray of strays.splice(0)) if (stray.pid !== undefined && processIsRunning(stray.pid)) stray.kill('SIGKILL');
  await temp.remove();
});

const HELLO = `export default { fetch: (req) => { console.log('served ' + new URL(req.url).pathname); return new Response('hello from ' + process.env.TIDE_POD); } };`;
const dataDir = () => join(temp.path, 'data');
const podDir = (pod: string) => join(dataDir(), 'pods', pod);
const readPid = (dir: string): { pid: number; startToken: string } | undefined => {
  try {
    return JSON.parse(readFileSync(join(dir, 'pid'), 'utf8'));
  } catch {
    return undefined;
  }
};

async function open(options: Partial<Omit<NodeAgentOptions, 'onReport'>> = {}) {
  const drift: DriftRepair[] = [];
  const harness = await openTestAgent({
    dataDir: dataDir(),
    warmPool: { size: 0 },
    backoff: { initialMs: 50, maxMs: 400, resetAfterMs: 5_000 },
    onDrift: (repair) => drift.push(repair),
    ...options,
  });
  agents.push(harness.agent);
  return { ...harness, drift };
}

/** The agent has converged: every desired pod Ready with a live pid that its pid file names, and no stray alive. */
function converged(agent: NodeAgent, pods: readonly string[]): boolean {
  const reports = agent.pods();
  const allReady = pods.every((pod) => {
    const report = reports.find((r) => r.pod === pod);
    return report?.phase === 'Ready' && report.pid !== undefined && processIsRunning(report.pid) && readPid(podDir(pod))?.pid === report.pid;
  });
  return allReady && strays.every((stray) => !processIsRunning(stray.pid!));
}

/**
 * Starts a copy of a running pod's command line, as someone might by hand: same node, flags and
 * runtime entry, the config with a new start token (or the same one), in a new directory under
 * pods/ with a pid file (or without one, so only its command line and working directory tell).
 */
function spawnStray(podPid: number, n: number, how: { pidFile: boolean; cwdInDataDir: boolean; sameToken: boolean }): ChildProcess {
  const argv = readFileSync(`/proc/${podPid}/cmdline`, 'utf8')
    .split('\0')
    .filter((arg) => arg !== '');
  const config = JSON.parse(argv.at(-1)!) as { startToken: string };
  const startToken = how.sameToken ? config.startToken : `stray-token-${n}-${Math.random().toString(16).slice(2)}`;
  const dir = join(dataDir(), 'pods', `stray-${n}`);
  mkdirSync(dir, { recursive: true });
  const stray = spawn(argv[0]!, [...argv.slice(1, -1), JSON.stringify({ ...config, startToken })], {
    cwd: how.cwdInDataDir ? dir : temp.path,
    env: { PATH: process.env.PATH ?? '' },
    stdio: 'ignore',
  });
  strays.push(stray);
  if (how.pidFile) writeFileSync(join(dir, 'pid'), `${JSON.stringify({ pid: stray.pid, startToken })}\n`);
  return stray;
}

describe('drift repair', () => {
  it('restarts a pod killed by hand (kill -9) and says why', async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    const { agent, waitForReport } = await open();
    agent.sync([podSpec('a-1', artifact)]);
    const first = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    process.kill(first.pid!, 'SIGKILL');
    expect(await waitForReport((r) => r.phase === 'Exited', 'Exited')).toMatchObject({
      signal: 'SIGKILL',
      reason: 'killed by SIGKILL',
      nextRestartAt: expect.any(Number),
    });
    const second = await waitForReport((r) => r.phase === 'Ready' && r.restartCount === 1, 'Ready again');
    expect(readPid(podDir('a-1'))?.pid).toBe(second.pid);
  });

  it('recreates a deleted pod directory with its pid file, and the pod logs into it again', async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    // From the warm pool: its pid file carries the pool token, which must come back too.
    const { agent, waitForReport, drift } = await open({ warmPool: { size: 1, memoryMb: 64 } });
    agent.sync([podSpec('a-1', artifact)]);
    const ready = await waitForReport((r) => r.phase === 'Ready' && r.coldStart === 'pool', 'Ready from the pool');
    const recorded = readPid(podDir('a-1'));
    rmSync(podDir('a-1'), { recursive: true, force: true });
    await waitUntil(() => readPid(podDir('a-1')) !== undefined, 'the pid file to come back', 5_000);
    expect(readPid(podDir('a-1'))).toEqual(recorded);
    expect(drift).toContainEqual({ type: 'restore-dir', dir: { kind: 'pods', name: 'a-1' }, pid: ready.pid, startToken: recorded?.startToken });
    await fetch(`${ready.endpoint}/after`);
    await waitUntil(
      () => existsSync(join(podDir('a-1'), 'log')) && readFileSync(join(podDir('a-1'), 'log'), 'utf8').includes('stdout served /after'),
      'the log line in the new log',
    );
    expect(agent.pods()).toEqual([ready]); // served on, never restarted
  });

  it('recreates the pid files of idle warm-pool processes when the pool directory is deleted', async () => {
    const { agent } = await open({ warmPool: { size: 2, memoryMb: 64 } });
    const poolDir = join(dataDir(), 'pool');
    const before = readdirSync(poolDir).map((token) => ({ token, ...readPid(join(poolDir, token)) }));
    expect(before).toHaveLength(2);
    rmSync(poolDir, { recursive: true, force: true });
    await waitUntil(() => before.every(({ token }) => readPid(join(poolDir, token)) !== undefined), 'the pool pid files to come back', 5_000);
    expect(readdirSync(poolDir).map((token) => ({ token, ...readPid(join(poolDir, token)) }))).toEqual(expect.arrayContaining(before));
    expect(agent.warmPool()).toMatchObject({ idle: 2 });
  });

  it('stops a runtime process of its data directory that no pid file names, and removes its directory', async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    const { agent, waitForReport, drift } = await open();
    agent.sync([podSpec('a-1', artifact)]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    const stray = spawnStray(ready.pid!, 1, { pidFile: false, cwdInDataDir: true, sameToken: false });
    await waitUntil(() => !processIsRunning(stray.pid!), 'the stray to be stopped', 5_000);
    expect(drift).toContainEqual({ type: 'signal-stray', pid: stray.pid, signal: 'SIGTERM' });
    await waitUntil(() => !existsSync(podDir('stray-1')), 'the stray directory to go', 5_000);
    expect(agent.pods()).toEqual([ready]);
  });

  it("spares a process a pod started that shows the runtime's command line, as any child does between fork and exec", async () => {
    // The child's argv carries the runtime entry and its working directory is the pod's: just what a stray looks like.
    const artifact = await writeArtifact(
      temp.path,
      'forks',
      `import { spawn } from 'node:child_process';
      export default { fetch: () => new Response(String(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', process.argv[1]], { stdio: 'ignore' }).pid)) };`,
    );
    const { agent, waitForReport, drift } = await open({ auditIntervalMs: 50 });
    agent.sync([podSpec('a-1', artifact)]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    const childPid = Number(await (await fetch(ready.endpoint!)).text());
    // A real stray started after the child: once it is stopped, audits have seen the child too.
    const stray = spawnStray(ready.pid!, 1, { pidFile: false, cwdInDataDir: true, sameToken: false });
    await waitUntil(() => !processIsRunning(stray.pid!), 'the stray to be stopped', 5_000);
    expect(processIsRunning(childPid)).toBe(true);
    expect(drift.filter((r) => r.type === 'signal-stray' && r.pid === childPid)).toEqual([]);
  });

  it('SIGKILLs a stray that ignores SIGTERM once its grace has passed', async () => {
    const { drift } = await open();
    const token = 'a-token-only-this-process-carries';
    const stray = spawn(process.execPath, ['-e', `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('deaf');`, token], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    strays.push(stray);
    await new Promise((resolve) => stray.stdout!.once('data', resolve)); // its SIGTERM handler is in place
    mkdirSync(podDir('left-behind'), { recursive: true });
    writeFileSync(join(podDir('left-behind'), 'pid'), JSON.stringify({ pid: stray.pid, startToken: token }));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => stray.once('exit', (_code, signal) => resolve(signal)));
    expect(await exited).toBe('SIGKILL');
    expect(drift.filter((r) => r.type === 'signal-stray').map((r) => r.type === 'signal-stray' && r.signal)).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('converges after each of 100 random faults: kill -9, a deleted pod directory, a stray runtime', { timeout: 150_000 }, async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    const { agent } = await open();
    const pods = ['drift-a', 'drift-b', 'drift-c'];
    const specs: PodRunSpec[] = pods.map((name) => podSpec(name, artifact));
    agent.sync(specs);
    await waitUntil(() => converged(agent, pods), 'the first convergence', 15_000);

    const seed = Date.now() % 1_000_000;
    const random = mulberry32(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const times: Record<'kill' | 'rmdir' | 'stray', number[]> = { kill: [], rmdir: [], stray: [] };
    for (let n = 0; n < 100; n++) {
      const kind = pick(['kill', 'rmdir', 'stray'] as const);
      const pod = pick(pods);
      const pid = agent.pods().find((r) => r.pod === pod)!.pid!;
      const injectedAt = performance.now();
      if (kind === 'kill') {
        process.kill(pid, 'SIGKILL');
        await waitUntil(() => !processIsRunning(pid), 'the kill to land', 2_000); // not converged before the fault took hold
      } else if (kind === 'rmdir') {
        rmSync(podDir(pod), { recursive: true, force: true });
      } else {
        // Either way it must look like this agent's: a pid file under pods/, or running inside the data directory.
        const pidFile = random() < 0.75;
        spawnStray(pid, n, { pidFile, cwdInDataDir: !pidFile || random() < 0.5, sameToken: random() < 0.5 });
      }
      await waitUntil(() => converged(agent, pods), `convergence after fault #${n + 1} (${kind} ${pod}, seed ${seed})`, 15_000);
      times[kind].push(performance.now() - injectedAt);
    }

    const all = [...times.kill, ...times.rmdir, ...times.stray];
    console.log(`drift: 100 faults (seed ${seed}), convergence ms: ${summary(all)}`);
    for (const [kind, ms] of Object.entries(times)) console.log(`  ${kind} ×${ms.length}: ${summary(ms)}`);
    expect(all).toHaveLength(100);
    // Stray directories go once their processes are dead: only the desired pods' remain.
    await waitUntil(() => readdirSync(join(dataDir(), 'pods')).sort().join() === pods.join(), 'only the desired pod directories', 5_000);
    expect(strays.every((stray) => !processIsRunning(stray.pid!))).toBe(true);
  });
});

function summary(ms: readonly number[]): string {
  if (ms.length === 0) return 'none';
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return `p50 ${at(0.5).toFixed(0)}, p99 ${at(0.99).toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}`;
}

/** A small seeded PRNG, so a failing run can be told apart by its seed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
