import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeAgent, WarmPoolSettings } from './node-agent.js';
import { makeTempDir, openTestAgent, podSpec, processIsRunning, waitUntil, writeArtifact } from './testing/agent-harness.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let agents: NodeAgent[] = [];
/** Every pool pid seen, killed here if a failing test left one running. */
const seenPids = new Set<number>();

beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  agents = [];
  for (const pid of seenPids) if (processIsRunning(pid)) process.kill(pid, 'SIGKILL');
  seenPids.clear();
  await temp.remove();
});

const dataDir = () => join(temp.path, 'data');

async function open(options: { warmPool?: WarmPoolSettings; backoff?: { initialMs: number; maxMs: number }; runtimeEntry?: string } = {}) {
  const harness = await openTestAgent({ dataDir: dataDir(), warmPool: { size: 2, memoryMb: 64 }, ...options });
  agents.push(harness.agent);
  return harness;
}

/** Pids of the pool's processes not yet assigned, from their pid files. */
function poolPids(): number[] {
  const poolDir = join(dataDir(), 'pool');
  if (!existsSync(poolDir)) return [];
  const pids: number[] = [];
  for (const entry of readdirSync(poolDir)) {
    try {
      pids.push((JSON.parse(readFileSync(join(poolDir, entry, 'pid'), 'utf8')) as { pid: number }).pid);
    } catch {
      // a directory being set up or removed
    }
  }
  for (const pid of pids) seenPids.add(pid);
  return pids;
}

const HELLO = `export default { fetch: () => new Response('hello from ' + process.env.TIDE_POD) };`;

describe('warm pool', () => {
  it('serves a pod from a pooled process with exactly its env and directory, nothing from the pool start or the agent', async () => {
    const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, TIDE_AGENT_SECRET: process.env.TIDE_AGENT_SECRET };
    process.env.NODE_OPTIONS = '--no-deprecation';
    process.env.TIDE_AGENT_SECRET = 'must-not-leak';
    try {
      const artifact = await writeArtifact(temp.path, 'env', `export default { fetch: () => Response.json({ env: process.env, cwd: process.cwd() }) };`);
      const { agent, waitForReport } = await open();
      const pooled = poolPids();
      agent.sync([podSpec('env-1', artifact, { namespace: 'team', functionName: 'envfn', revision: 'envfn-00002', env: { GREETING: 'hi', EMPTY: '' } })]);
      const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
      expect(ready).toMatchObject({ coldStart: 'pool', startMs: expect.any(Number) });
      expect(pooled).toContain(ready.pid);
      const podDir = join(dataDir(), 'pods', 'env-1');
      expect(await (await fetch(ready.endpoint!)).json()).toEqual({
        env: {
          GREETING: 'hi',
          EMPTY: '',
          TIDE_NAMESPACE: 'team',
          TIDE_FUNCTION: 'envfn',
          TIDE_REVISION: 'envfn-00002',
          TIDE_POD: 'env-1',
          TIDE_POD_TOKEN: expect.stringMatching(/^[0-9a-f]{16}\.[0-9a-f]{24}$/),
          HOME: podDir,
          PATH: expect.any(String),
        },
        cwd: podDir,
      });
      // The pod's pid file names the process by the token its command line carries.
      const pidFile = JSON.parse(readFileSync(join(podDir, 'pid'), 'utf8')) as { pid: number; startToken: string };
      expect(pidFile.pid).toBe(ready.pid);
      expect(readFileSync(`/proc/${ready.pid}/cmdline`, 'utf8')).toContain(pidFile.startToken);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('starts two pods in a row from the pool, refilling it in between', async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    const { agent, waitForReport } = await open({ warmPool: { size: 1, memoryMb: 64 } });
    const [first] = poolPids();
    agent.sync([podSpec('a-1', artifact)]);
    const a = await waitForReport((r) => r.pod === 'a-1' && r.phase === 'Ready', 'a Ready');
    await waitUntil(() => agent.warmPool().idle === 1, 'the pool to refill');
    const [second] = poolPids();
    agent.sync([podSpec('a-1', artifact), podSpec('b-1', artifact)]);
    const b = await waitForReport((r) => r.pod === 'b-1' && r.phase === 'Ready', 'b Ready');
    expect([a.coldStart, b.coldStart]).toEqual(['pool', 'pool']);
    expect([a.pid, b.pid]).toEqual([first, second]);
    expect(await (await fetch(a.endpoint!)).text()).toBe('hello from a-1');
    expect(await (await fetch(b.endpoint!)).text()).toBe('hello from b-1');
  });

  it('spawns every pod when the pool is disabled, and starts no pool process', async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    const { agent, waitForReport } = await open({ warmPool: { size: 0 } });
    agent.sync([podSpec('a-1', artifact)]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    expect(ready.coldStart).toBe('spawn');
    expect(poolPids()).toEqual([]);
    expect(agent.warmPool()).toEqual({ size: 0, memoryMb: 128, idle: 0, warming: 0 });
  });

  it("spawns a pod whose memoryMb differs from the pool's and leaves the pool alone", async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    const { agent, waitForReport } = await open({ warmPool: { size: 2, memoryMb: 128 } });
    const pooled = poolPids();
    agent.sync([podSpec('big-1', artifact, { memoryMb: 256 })]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    expect(ready.coldStart).toBe('spawn');
    expect(pooled).not.toContain(ready.pid);
    expect(poolPids().sort()).toEqual(pooled.sort());
  });

  it('replaces a pooled process killed while idle', async () => {
    await open();
    const [victim, other] = poolPids();
    process.kill(victim!, 'SIGKILL');
    await waitUntil(() => {
      const now = poolPids();
      return now.length === 2 && !now.includes(victim!) && agents[0]!.warmPool().idle === 2;
    }, 'a replacement to be pooled');
    expect(poolPids()).toContain(other);
    expect(processIsRunning(victim!)).toBe(false);
  });

  it('backs off when pool processes keep dying before they are pooled', async () => {
    const broken = await writeArtifact(temp.path, 'broken-runtime', `console.error('pool process started'); process.exit(3);`);
    const openedAt = Date.now();
    const { agent, logs } = await openTestAgent(
      { dataDir: dataDir(), warmPool: { size: 2, memoryMb: 64 }, runtimeEntry: broken, backoff: { initialMs: 300, maxMs: 300 } },
      { waitForPool: false },
    );
    agents.push(agent);
    const starts = () => logs.filter((l) => l.pod === 'warm-pool' && l.line === 'pool process started').length;
    // Until ten starts happened (bounded), not for a fixed time: on a busy machine one start alone can take a second.
    await waitUntil(() => starts() >= 10, 'ten pool process starts', 60_000);
    // Two slots, each respawned no sooner than 300 ms after its process died: a tenth start is a
    // slot's fifth, so at least 4 × 300 ms after the agent opened (a lower bound, which load only
    // helps to meet). Without back-off a 30 ms process gets there in a few spawns' time.
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(4 * 300 - 5);
    expect(agent.warmPool().idle).toBe(0);
  });

  it('reports an artifact that throws at import in a pooled process as Exited with the error, and never reuses that process', async () => {
    const artifact = await writeArtifact(temp.path, 'broken', `throw new SyntaxError('unexpected token in config');`);
    const { agent, reports, waitForReport } = await open({ backoff: { initialMs: 100, maxMs: 100 } });
    const pooled = poolPids();
    agent.sync([podSpec('broken-1', artifact)]);
    const exited = await waitForReport((r) => r.phase === 'Exited' && r.restartCount === 0, 'Exited');
    expect(exited).toMatchObject({ coldStart: 'pool', exitCode: 1, reason: 'import failed: SyntaxError: unexpected token in config' });
    expect(pooled).toContain(exited.pid);
    expect(processIsRunning(exited.pid!)).toBe(false);
    await waitForReport((r) => r.phase === 'Exited' && r.restartCount === 1, 'the restart to exit too');
    const restarted = reports.find((r) => r.phase === 'Starting' && r.restartCount === 1)!;
    expect(restarted.pid).not.toBe(exited.pid);
    expect(poolPids()).not.toContain(exited.pid);
  });

  it('close() leaves no pod and no pool process running, and no pool directory behind', async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    const { agent, waitForReport } = await open();
    agent.sync([podSpec('a-1', artifact)]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    await waitUntil(() => agent.warmPool().idle === 2, 'the pool to refill');
    const pids = [ready.pid!, ...poolPids()];
    expect(pids).toHaveLength(3);
    await agent.close();
    expect(pids.filter(processIsRunning)).toEqual([]);
    expect(readdirSync(join(dataDir(), 'pool'))).toEqual([]);
    expect(readdirSync(join(dataDir(), 'pods'))).toEqual([]);
    expect(agent.warmPool()).toMatchObject({ idle: 0, warming: 0 });
  });

  it('close() during the warm-up leaves no pool process running', async () => {
    const { agent } = await openTestAgent({ dataDir: dataDir(), warmPool: { size: 2, memoryMb: 64 } }, { waitForPool: false });
    agents.push(agent);
    await waitUntil(() => agent.warmPool().warming === 2, 'the pool to start warming');
    const pids = poolPids();
    expect(pids).toHaveLength(2);
    await agent.close();
    expect(pids.filter(processIsRunning)).toEqual([]);
    expect(readdirSync(join(dataDir(), 'pool'))).toEqual([]);
  });
});
