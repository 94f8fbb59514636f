import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeAgent } from '../node-agent.js';
import { makeTempDir, openTestAgent, processIsRunning, waitUntil, writeArtifact } from '../testing/agent-harness.js';

const srcDir = fileURLToPath(new URL('..', import.meta.url));
const runtimeEntry = createRequire(import.meta.url).resolve('@tide/runtime/main');

let temp: Awaited<ReturnType<typeof makeTempDir>>;
const children: ChildProcess[] = [];
const agents: NodeAgent[] = [];
/** Pods started by an agent process; killed here if a failing test left them running. */
const podPids: number[] = [];

beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of podPids.splice(0)) if (processIsRunning(pid)) process.kill(pid, 'SIGKILL');
  await temp.remove();
});

/**
 * An agent in its own process (this package's source bundled by esbuild), with its default warm
 * pool: once the pool is full it starts two pods (both from the pool), and once both are Ready and
 * the pool is full again it prints the pods.
 */
async function bundleAgentProcess(): Promise<string> {
  const outfile = join(temp.path, 'agent-process.mjs');
  await build({
    stdin: {
      resolveDir: srcDir,
      loader: 'ts',
      contents: `
        import { openNodeAgent } from './node-agent.ts';
        import type { PodReport } from './pod-types.ts';
        const [dataDir, artifactPath, runtimeEntry] = process.argv.slice(2);
        const ready = new Map<string, PodReport>();
        const agent = await openNodeAgent({
          dataDir, runtimeEntry,
          onReport: (report) => {
            if (report.phase === 'Ready') ready.set(report.pod, report);
          },
        });
        const poolFull = () => agent.warmPool().idle === agent.warmPool().size;
        const until = async (check: () => boolean) => {
          for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
        };
        await until(poolFull);
        const spec = { namespace: 'default', functionName: 'hello', revision: 'hello-00001', artifactPath, env: {}, memoryMb: 128, timeoutSeconds: 30, terminationGraceSeconds: 30 };
        agent.sync([{ ...spec, name: 'hello-1' }, { ...spec, name: 'hello-2' }]);
        await until(() => ready.size === 2 && poolFull());
        console.log(JSON.stringify([...ready.values()]));
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

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`agent process exited (${code}) before printing its pods`)));
  });
}

/** Pids recorded in `<dataDir>/pool/<token>/pid`: the warm pool's unassigned processes. */
function poolPids(dataDir: string): number[] {
  return readdirSync(join(dataDir, 'pool')).map((entry) => (JSON.parse(readFileSync(join(dataDir, 'pool', entry, 'pid'), 'utf8')) as { pid: number }).pid);
}

describe('pods left behind by an agent', () => {
  it('die with a SIGKILLed agent, idle pool processes too, and the next agent on the same dataDir finds nothing left', async () => {
    const dataDir = join(temp.path, 'data');
    const artifact = await writeArtifact(temp.path, 'hello', `export default { fetch: () => new Response('hello') };`);
    const agentProcess = spawn(process.execPath, [await bundleAgentProcess(), dataDir, artifact, runtimeEntry], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(agentProcess);
    const pods = JSON.parse(await firstLine(agentProcess)) as Array<{ pid: number; endpoint: string; coldStart: string }>;
    podPids.push(...pods.map((pod) => pod.pid));
    expect(pods.map((pod) => pod.coldStart)).toEqual(['pool', 'pool']);
    for (const pod of pods) expect(await (await fetch(pod.endpoint)).text()).toBe('hello');
    const idle = poolPids(dataDir);
    podPids.push(...idle);
    expect(idle).toHaveLength(2);

    agentProcess.kill('SIGKILL');
    const all = [...pods.map((pod) => pod.pid), ...idle];
    await waitUntil(() => all.every((pid) => !processIsRunning(pid)), 'the pods and pool processes to exit', 5_000);
    for (const pod of pods) await expect(fetch(pod.endpoint)).rejects.toThrow(); // ports released

    const next = await openTestAgent({ dataDir, runtimeEntry, warmPool: { size: 0 } });
    agents.push(next.agent);
    expect(readdirSync(join(dataDir, 'pods'))).toEqual([]);
    expect(readdirSync(join(dataDir, 'pool'))).toEqual([]);
    expect(next.agent.pods()).toEqual([]);
  });

  it('are killed by the next agent when still running, but a reused pid of another process is spared', async () => {
    const podsDir = join(temp.path, 'data', 'pods');
    const artifact = await writeArtifact(temp.path, 'hello', `export default { fetch: () => new Response('hello') };`);
    // A runtime without an IPC channel does not notice its agent is gone: exactly the leftover to clean up.
    const startToken = 'leftover-token-5f2a9c';
    const leftover = spawn(
      process.execPath,
      [runtimeEntry, JSON.stringify({ artifactPath: artifact, timeoutMs: 5_000, host: '127.0.0.1', pod: 'left-1', startToken })],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {},
      },
    );
    children.push(leftover);
    const { port } = JSON.parse(await firstLine(leftover)) as { port: number };
    const leftoverExit = new Promise<number | null>((resolve) => leftover.once('exit', (code) => resolve(code)));
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
    children.push(bystander);

    const pidFile = (pod: string, content: string) => {
      mkdirSync(join(podsDir, pod), { recursive: true });
      writeFileSync(join(podsDir, pod, 'pid'), content);
    };
    pidFile('left-1', JSON.stringify({ pid: leftover.pid, startToken }));
    pidFile('reused-1', JSON.stringify({ pid: bystander.pid, startToken: 'token-of-a-pod-long-gone' }));
    pidFile('torn-1', '{"pid": 12');

    const next = await openTestAgent({ dataDir: join(temp.path, 'data'), runtimeEntry });
    agents.push(next.agent);
    expect(await leftoverExit).toBe(0); // SIGTERM: the runtime drained and exited on its own
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    expect(processIsRunning(bystander.pid!)).toBe(true);
    expect(readdirSync(podsDir)).toEqual([]);
  });

  it('are killed by the next agent when they are pool processes, idle or assigned to a pod', async () => {
    const dataDir = join(temp.path, 'data');
    const artifact = await writeArtifact(temp.path, 'hello', `export default { fetch: () => new Response('hello') };`);
    // Started as a warm pool starts them, by this test, which keeps their IPC channels open: they
    // stay up as if their agent had vanished without the channel closing.
    const startPooled = async (poolToken: string) => {
      const child = spawn(process.execPath, [runtimeEntry, JSON.stringify({ mode: 'pool', host: '127.0.0.1', poolToken })], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: { PATH: '/usr/bin:/bin' },
      });
      children.push(child);
      const messages: Array<{ type: string; port?: number }> = [];
      child.on('message', (message: { type: string }) => messages.push(message));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await waitUntil(() => messages.length > 0, 'the pooled message');
      return { child, messages, exited };
    };
    const idle = await startPooled('idle-pool-token-81c3');
    const assigned = await startPooled('assigned-pool-token-2b7e');
    assigned.child.send({ type: 'assign', artifactPath: artifact, timeoutMs: 5_000, env: {}, pod: 'pooled-1' });
    await waitUntil(() => assigned.messages.some((m) => m.type === 'ready'), 'the assigned process to be ready');
    const { port } = assigned.messages.find((m) => m.type === 'ready')!;

    const pidFile = (dir: string, content: object) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'pid'), JSON.stringify(content));
    };
    pidFile(join(dataDir, 'pool', 'idle-pool-token-81c3'), { pid: idle.child.pid, startToken: 'idle-pool-token-81c3' });
    pidFile(join(dataDir, 'pods', 'pooled-1'), { pid: assigned.child.pid, startToken: 'assigned-pool-token-2b7e' });

    const next = await openTestAgent({ dataDir, runtimeEntry, warmPool: { size: 0 } });
    agents.push(next.agent);
    expect(await idle.exited).toBe(0);
    expect(await assigned.exited).toBe(0); // drained on SIGTERM
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    expect(readdirSync(join(dataDir, 'pods'))).toEqual([]);
    expect(readdirSync(join(dataDir, 'pool'))).toEqual([]);
  });
});
