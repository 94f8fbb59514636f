import { createHash } from 'node:crypto';
import { type Dirent, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STARTUP_CPU_AFTER_READY_MS } from './adapters/pod-limits.js';
import type { NodeAgent } from './node-agent.js';
import { makeTempDir, openTestAgent, podSpec, sandboxCheck, writeArtifact } from './testing/agent-harness.js';

const { unavailable } = sandboxCheck();

/** `/spin` starts three worker threads that busy-loop for good; `/usage` is the CPU the whole process used so far. */
const SPINNER = `
import { Worker } from 'node:worker_threads';
const workers = [];
export default { fetch(request) {
  if (new URL(request.url).pathname === '/spin') {
    while (workers.length < 3) workers.push(new Worker('for (;;) {}', { eval: true }));
    return new Response('spinning');
  }
  const { user, system } = process.cpuUsage();
  return Response.json({ cpuMs: (user + system) / 1000, wallMs: performance.now() });
} };`;

/** Low enough that three spinning threads take more even on a saturated 2-core machine (seen: 143m at load 20). */
const CPU_MILLI = 50;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let agents: NodeAgent[] = [];
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  agents = [];
  await temp.remove();
});

/**
 * Millicores the pod used between two of its own readings at least 2 s of its clock apart, the first
 * taken once its start's CPU boost is over (STARTUP_CPU_AFTER_READY_MS after it was seen Ready).
 */
async function measuredMilli(endpoint: string, readyAt: number): Promise<number> {
  const usage = async () => (await (await fetch(`${endpoint}/usage`)).json()) as { cpuMs: number; wallMs: number };
  const giveUpAt = Date.now() + 60_000;
  while (Date.now() < readyAt + STARTUP_CPU_AFTER_READY_MS && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 50));
  const first = await usage();
  while (Date.now() < giveUpAt) {
    const now = await usage();
    if (now.wallMs - first.wallMs >= 2_000) return ((now.cpuMs - first.cpuMs) / (now.wallMs - first.wallMs)) * 1000;
    await new Promise((resolve) => setTimeout(resolve, 50)); // spacing the readings, not measuring
  }
  throw new Error('the pod never got 2 s older within 60 s');
}

describe.skipIf(unavailable !== undefined)(`a sandboxed pod's cpuMilli${unavailable ? ` (skipped: ${unavailable})` : ''}`, { timeout: 120_000 }, () => {
  it('holds a pod spinning three threads to its cpuMilli, from the pool and spawned alike', async (context) => {
    const { agent, waitForReport, logs } = await openTestAgent({ dataDir: join(temp.path, 'data'), sandbox: 'bwrap', warmPool: { size: 1, memoryMb: 64 } });
    agents.push(agent);
    const limits = logs.find((entry) => entry.line.includes('limits:'))?.line ?? '';
    // Only where the agent says why it cannot: an agent silent about cpu has to hold it all the same.
    if (/cpu: none/.test(limits)) return context.skip(`this machine has no cpu cgroup for pods (${limits})`);
    const artifact = await writeArtifact(temp.path, 'spinner', SPINNER);
    agent.sync([podSpec('pooled-1', artifact, { memoryMb: 64, cpuMilli: CPU_MILLI }), podSpec('spawned-1', artifact, { memoryMb: 96, cpuMilli: CPU_MILLI })]);
    const readyAt = new Map<string, number>();
    const ready = async (pod: string) => {
      const report = await waitForReport((r) => r.pod === pod && r.phase === 'Ready', `${pod} Ready`);
      readyAt.set(pod, Date.now()); // no earlier than the agent's Ready, so no earlier than the boost's start
      return report;
    };
    const [pooled, spawned] = await Promise.all([ready('pooled-1'), ready('spawned-1')]);
    expect([pooled.coldStart, spawned.coldStart]).toEqual(['pool', 'spawn']);
    for (const pod of [pooled, spawned]) {
      expect(await (await fetch(`${pod.endpoint!}/spin`)).text()).toBe('spinning');
      const milli = await measuredMilli(pod.endpoint!, readyAt.get(pod.pod)!);
      console.log(`${pod.pod}: ${Math.round(milli)}m used with cpuMilli ${CPU_MILLI}`);
      // Unlimited, three spinning threads take every core they get (up to 2000m here); the quota
      // allows 50m (5 ms per 100 ms period), and a reading may straddle one period's burst.
      expect(milli, pod.pod).toBeLessThanOrEqual(CPU_MILLI * 1.5);
    }
    expect(limits).toMatch(/cpu: cgroup v[12]/);
  });
});

/** Directories named `name` under /sys/fs/cgroup, 5 levels deep at most (a v1 hierarchy, then this process's cgroup). */
function cgroupsNamed(name: string, dir = '/sys/fs/cgroup', depth = 5): string[] {
  if (depth === 0) return [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (!entry.isDirectory()) return [];
    const path = join(dir, entry.name);
    return entry.name === name ? [path] : cgroupsNamed(name, path, depth - 1);
  });
}

describe.skipIf(unavailable !== undefined)(`the limits' cgroups${unavailable ? ` (skipped: ${unavailable})` : ''}`, { timeout: 120_000 }, () => {
  it('are gone once the agent is closed: a data directory leaves no empty cgroups behind', async () => {
    const dataDir = join(temp.path, 'data');
    const { agent, waitForReport } = await openTestAgent({ dataDir, sandbox: 'bwrap', warmPool: { size: 1, memoryMb: 64 } });
    agents.push(agent);
    const name = `tide-limits-${createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 16)}`;
    agent.sync([podSpec('hello-1', await writeArtifact(temp.path, 'hello', SPINNER), { memoryMb: 96, cpuMilli: CPU_MILLI })]);
    await waitForReport((r) => r.pod === 'hello-1' && r.phase === 'Ready', 'hello-1 Ready');
    expect(cgroupsNamed(name).length).toBeGreaterThan(0);
    await agent.close();
    agents = [];
    expect(cgroupsNamed(name)).toEqual([]);
  });
});

describe.skipIf(process.getuid?.() !== 0)("an unsandboxed pod's cpuMilli where the agent is root", { timeout: 120_000 }, () => {
  it('holds a pod spinning three threads to its cpuMilli, from the pool and spawned alike', async (context) => {
    const { agent, waitForReport, logs } = await openTestAgent({ dataDir: join(temp.path, 'data'), warmPool: { size: 1, memoryMb: 64 } });
    agents.push(agent);
    const limits = logs.find((entry) => entry.line.includes('limits:'))?.line ?? '';
    if (/cpu: none/.test(limits)) return context.skip(`this machine has no cpu cgroup for pods (${limits})`);
    const artifact = await writeArtifact(temp.path, 'spinner', SPINNER);
    agent.sync([podSpec('pooled-1', artifact, { memoryMb: 64, cpuMilli: CPU_MILLI }), podSpec('spawned-1', artifact, { memoryMb: 96, cpuMilli: CPU_MILLI })]);
    const readyAt = new Map<string, number>();
    const ready = async (pod: string) => {
      const report = await waitForReport((r) => r.pod === pod && r.phase === 'Ready', `${pod} Ready`);
      readyAt.set(pod, Date.now());
      return report;
    };
    const [pooled, spawned] = await Promise.all([ready('pooled-1'), ready('spawned-1')]);
    expect([pooled.coldStart, spawned.coldStart]).toEqual(['pool', 'spawn']);
    for (const pod of [pooled, spawned]) {
      expect(await (await fetch(`${pod.endpoint!}/spin`)).text()).toBe('spinning');
      const milli = await measuredMilli(pod.endpoint!, readyAt.get(pod.pod)!);
      console.log(`${pod.pod} (unsandboxed): ${Math.round(milli)}m used with cpuMilli ${CPU_MILLI}`);
      expect(milli, pod.pod).toBeLessThanOrEqual(CPU_MILLI * 1.5);
    }
    expect(limits).toMatch(/pods run unsandboxed; limits: cpu: cgroup v[12]/);
  });
});
