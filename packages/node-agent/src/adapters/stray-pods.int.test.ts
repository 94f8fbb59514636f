import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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

/** An agent in its own process (this package's source bundled by esbuild): prints its pods once both are Ready. */
async function bundleAgentProcess(): Promise<string> {
  const outfile = join(temp.path, 'agent-process.mjs');
  await build({
    stdin: {
      resolveDir: srcDir,
      loader: 'ts',
      contents: `
        import { openNodeAgent, type PodReport } from './index.ts';
        const [dataDir, artifactPath, runtimeEntry] = process.argv.slice(2);
        const ready = new Map<string, PodReport>();
        const agent = await openNodeAgent({
          dataDir, runtimeEntry,
          onReport: (report) => {
            if (report.phase === 'Ready') ready.set(report.pod, report);
            if (ready.size === 2) console.log(JSON.stringify([...ready.values()]));
          },
        });
        const spec = { namespace: 'default', functionName: 'hello', revision: 'hello-00001', artifactPath, env: {}, memoryMb: 64, timeoutSeconds: 30, terminationGraceSeconds: 30 };
        agent.sync([{ ...spec, name: 'hello-1' }, { ...spec, name: 'hello-2' }]);
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

describe('pods left behind by an agent', () => {
  it('die with a SIGKILLed agent, and the next agent on the same dataDir finds nothing left', async () => {
    const dataDir = join(temp.path, 'data');
    const artifact = await writeArtifact(temp.path, 'hello', `export default { fetch: () => new Response('hello') };`);
    const agentProcess = spawn(process.execPath, [await bundleAgentProcess(), dataDir, artifact, runtimeEntry], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(agentProcess);
    const pods = JSON.parse(await firstLine(agentProcess)) as Array<{ pid: number; endpoint: string }>;
    podPids.push(...pods.map((pod) => pod.pid));
    expect(pods).toHaveLength(2);
    for (const pod of pods) expect(await (await fetch(pod.endpoint)).text()).toBe('hello');

    agentProcess.kill('SIGKILL');
    await waitUntil(() => pods.every((pod) => !processIsRunning(pod.pid)), 'the pods to exit', 5_000);
    for (const pod of pods) await expect(fetch(pod.endpoint)).rejects.toThrow(); // ports released

    const next = await openTestAgent({ dataDir, runtimeEntry });
    agents.push(next.agent);
    expect(readdirSync(join(dataDir, 'pods'))).toEqual([]);
    expect(next.agent.pods()).toEqual([]);
  });

  it('are killed by the next agent when still running, but a reused pid of another process is spared', async () => {
    const podsDir = join(temp.path, 'data', 'pods');
    const artifact = await writeArtifact(temp.path, 'hello', `export default { fetch: () => new Response('hello') };`);
    // A runtime without an IPC channel does not notice its agent is gone: exactly the leftover to clean up.
    const startToken = 'leftover-token-5f2a9c';
    const leftover = spawn(process.execPath, [runtimeEntry, JSON.stringify({ artifactPath: artifact, timeoutMs: 5_000, host: '127.0.0.1', pod: 'left-1', startToken })], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {},
    });
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
});
