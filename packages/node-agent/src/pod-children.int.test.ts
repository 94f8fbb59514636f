import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeAgent, NodeAgentOptions, WarmPoolSettings } from './node-agent.js';
import type { ColdStart } from './pod-types.js';
import { makeTempDir, openTestAgent, podSpec, processIsRunning, waitUntil, writeArtifact } from './testing/agent-harness.js';

const srcDir = fileURLToPath(new URL('.', import.meta.url));
const runtimeEntry = createRequire(import.meta.url).resolve('@tide/runtime/main');

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let agents: NodeAgent[] = [];
const children: ChildProcess[] = [];
/** Every test's marker: whatever still carries one at the end is killed, so a failing test leaves nothing. */
const marks: string[] = [];

beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  agents = [];
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const mark of marks.splice(0)) for (const pid of processesMarked(mark)) process.kill(pid, 'SIGKILL');
  await temp.remove();
});

/**
 * Each call starts a `sleep 300` in a session of its own (detached = setsid), which outlives its
 * parent and escapes a process-group kill; `/crash` then ends the pod's own process.
 */
const SPAWNS_SLEEP = `import { spawn } from 'node:child_process';
export default { fetch: (req) => {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  child.unref();
  if (new URL(req.url).pathname === '/crash') setTimeout(() => process.exit(3), 50);
  return new Response(String(child.pid));
} };`;

/** Live processes whose environment carries CHILD_MARK=<mark> (pods get it from their spec, children inherit it). */
function processesMarked(mark: string): number[] {
  const wanted = `CHILD_MARK=${mark}`;
  return readdirSync('/proc').flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    try {
      return readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(wanted) && processIsRunning(Number(name)) ? [Number(name)] : [];
    } catch {
      return [];
    }
  });
}

function newMark(): string {
  const mark = randomUUID();
  marks.push(mark);
  return mark;
}

describe.each<{ coldStart: ColdStart; warmPool: WarmPoolSettings; containment: NodeAgentOptions['containment'] }>([
  { coldStart: 'pool', warmPool: { size: 1, memoryMb: 64 }, containment: 'auto' },
  { coldStart: 'spawn', warmPool: { size: 0 }, containment: 'auto' },
  { coldStart: 'pool', warmPool: { size: 1, memoryMb: 64 }, containment: 'environ' },
  { coldStart: 'spawn', warmPool: { size: 0 }, containment: 'environ' },
])('processes a pod started, $coldStart path, containment $containment', ({ warmPool, containment }) => {
  async function startPod(name: string) {
    const harness = await openTestAgent({ dataDir: join(temp.path, 'data'), warmPool, containment, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    agents.push(harness.agent);
    const artifact = await writeArtifact(temp.path, 'spawns-sleep', SPAWNS_SLEEP);
    const mark = newMark();
    const spec = podSpec(name, artifact, { env: { CHILD_MARK: mark }, terminationGraceSeconds: 1 });
    harness.agent.sync([spec]);
    const ready = await harness.waitForReport((r) => r.phase === 'Ready', 'Ready');
    const sleepPid = Number(await (await fetch(`${ready.endpoint}/`)).text());
    expect(processIsRunning(sleepPid)).toBe(true);
    expect(processesMarked(mark)).toContain(sleepPid); // a pool process's own /proc environ is the one it started with
    return { ...harness, ready, sleepPid, mark };
  }

  it('are all gone once the pod is stopped (scaled to zero, deleted): a detached sleep 300 included', async () => {
    const { agent, waitForReport, sleepPid, mark } = await startPod('kids-1');
    agent.sync([]);
    await waitForReport((r) => r.phase === 'Stopped', 'Stopped');
    expect(processIsRunning(sleepPid)).toBe(false);
    expect(processesMarked(mark)).toEqual([]);
  });

  it('are all gone once the agent is closed', async () => {
    const { agent, sleepPid, mark } = await startPod('kids-1');
    await agent.close();
    expect(processIsRunning(sleepPid)).toBe(false);
    expect(processesMarked(mark)).toEqual([]);
  });

  it('are all gone once the pod crashed, before the crash is reported', async () => {
    const { waitForReport, ready, mark } = await startPod('kids-1');
    await fetch(`${ready.endpoint}/crash`);
    await waitForReport((r) => r.phase === 'Exited', 'Exited');
    expect(processesMarked(mark)).toEqual([]);
  });
});

/** An agent in its own process (this package's source bundled), which prints its Ready pod and stays up. */
async function bundleAgentProcess(): Promise<string> {
  const outfile = join(temp.path, 'agent-process.mjs');
  await build({
    stdin: {
      resolveDir: srcDir,
      loader: 'ts',
      contents: `
        import { openNodeAgent } from './node-agent.ts';
        const [dataDir, artifactPath, runtimeEntry, mark, containment] = process.argv.slice(2);
        const agent = await openNodeAgent({
          dataDir, runtimeEntry, containment, warmPool: { size: 0 },
          onReport: (report) => { if (report.phase === 'Ready') console.log(JSON.stringify(report)); },
        });
        const spec = { namespace: 'default', functionName: 'kids', revision: 'kids-00001', artifactPath, env: { CHILD_MARK: mark }, memoryMb: 64, timeoutSeconds: 30, terminationGraceSeconds: 30 };
        agent.sync([{ ...spec, name: 'kids-1' }]);
        setInterval(() => {}, 60_000);
      `,
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

describe.each<{ containment: NodeAgentOptions['containment'] }>([{ containment: 'auto' }, { containment: 'environ' }])(
  'after a SIGKILLed agent, containment $containment',
  ({ containment }) => {
    it('the next agent on its data directory kills what its pods left running, children included', async () => {
      const dataDir = join(temp.path, 'data');
      const artifact = await writeArtifact(temp.path, 'spawns-sleep', SPAWNS_SLEEP);
      const mark = newMark();
      const agentProcess = spawn(process.execPath, [await bundleAgentProcess(), dataDir, artifact, runtimeEntry, mark, containment ?? 'auto'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(agentProcess);
      const ready = await new Promise<{ pid: number; endpoint: string }>((resolve, reject) => {
        createInterface({ input: agentProcess.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
        agentProcess.once('exit', (code) => reject(new Error(`agent process exited (${code}) before its pod was Ready`)));
      });
      const sleepPid = Number(await (await fetch(`${ready.endpoint}/`)).text());

      agentProcess.kill('SIGKILL');
      // The pod notices its agent is gone and exits; the sleep it started does not.
      await waitUntil(() => !processIsRunning(ready.pid), 'the pod to exit with its agent');
      expect(processIsRunning(sleepPid)).toBe(true);

      const next = await openTestAgent({ dataDir, runtimeEntry, containment, warmPool: { size: 0 } });
      agents.push(next.agent);
      expect(processIsRunning(sleepPid)).toBe(false);
      expect(processesMarked(mark)).toEqual([]);
    });
  },
);
