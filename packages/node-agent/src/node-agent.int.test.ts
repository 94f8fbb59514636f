import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeAgent, WarmPoolSettings } from './node-agent.js';
import type { ColdStart } from './pod-types.js';
import { makeTempDir, openTestAgent, podSpec, processIsRunning, waitUntil, writeArtifact } from './testing/agent-harness.js';

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

const HELLO = `export default { fetch: (req) => { console.log('serving ' + new URL(req.url).pathname); return new Response('hello from ' + process.env.TIDE_POD); } };`;

// Every behaviour holds whichever way a pod's process came to be: taken from the warm pool
// (the test pods' memoryMb matches the pool's) or spawned (pool disabled).
describe.each<{ coldStart: ColdStart; warmPool: WarmPoolSettings }>([
  { coldStart: 'pool', warmPool: { size: 2, memoryMb: 64 } },
  { coldStart: 'spawn', warmPool: { size: 0 } },
])('node agent, $coldStart path', ({ coldStart, warmPool }) => {
  async function open(options: { backoff?: { initialMs: number; maxMs: number }; startTimeoutMs?: number; memoryMb?: number } = {}) {
    const { memoryMb, ...rest } = options;
    const pool = memoryMb === undefined || warmPool.size === 0 ? warmPool : { ...warmPool, memoryMb };
    const harness = await openTestAgent({ dataDir: join(temp.path, 'data'), warmPool: pool, ...rest });
    agents.push(harness.agent);
    return harness;
  }

  it('starts a pod, reports it Ready with an endpoint that answers, and captures its output', async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    const { agent, reports, logs, waitForReport } = await open();
    agent.sync([podSpec('hello-1', artifact)]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    expect(ready).toMatchObject({
      pod: 'hello-1',
      restartCount: 0,
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      coldStart,
      startMs: expect.any(Number),
    });
    expect(reports[0]).toMatchObject({ pod: 'hello-1', phase: 'Starting', pid: ready.pid, coldStart });
    expect(await (await fetch(`${ready.endpoint}/path`)).text()).toBe('hello from hello-1');
    await waitUntil(() => logs.some((l) => l.line === 'serving /path'), 'the log line');
    expect(logs).toContainEqual({ pod: 'hello-1', stream: 'stdout', line: 'serving /path' });
    const podDir = join(temp.path, 'data', 'pods', 'hello-1');
    await waitUntil(() => readFileSync(join(podDir, 'log'), 'utf8').includes('stdout serving /path'), 'the log file line');
    expect(JSON.parse(readFileSync(join(podDir, 'pid'), 'utf8'))).toMatchObject({ pid: ready.pid });
    expect(agent.pods()).toEqual([ready]);
  });

  it("serves pods on the node's address when it is given one, and reports that address in the endpoint", async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    // Another loopback address stands in for a routable one: the pod must listen there, not on 127.0.0.1.
    const harness = await openTestAgent({ dataDir: join(temp.path, 'data'), warmPool, podHost: '127.0.0.2' });
    agents.push(harness.agent);
    harness.agent.sync([podSpec('hello-1', artifact)]);
    const ready = await harness.waitForReport((r) => r.phase === 'Ready', 'Ready');
    expect(ready.endpoint).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    expect(await (await fetch(`${ready.endpoint}/x`)).text()).toBe('hello from hello-1');
    const port = new URL(ready.endpoint!).port;
    await expect(fetch(`http://127.0.0.1:${port}/x`)).rejects.toThrow();
  });

  it('gives a pod exactly its spec env plus the documented extras, nothing from the agent', async () => {
    const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, TIDE_AGENT_SECRET: process.env.TIDE_AGENT_SECRET };
    process.env.NODE_OPTIONS = '--no-deprecation';
    process.env.TIDE_AGENT_SECRET = 'must-not-leak';
    try {
      const artifact = await writeArtifact(temp.path, 'env', `export default { fetch: () => Response.json(process.env) };`);
      const { agent, waitForReport } = await open();
      agent.sync([podSpec('env-1', artifact, { namespace: 'team', functionName: 'envfn', revision: 'envfn-00002', env: { GREETING: 'hi', EMPTY: '' } })]);
      const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
      expect(ready.coldStart).toBe(coldStart);
      const env = await (await fetch(ready.endpoint!)).json();
      expect(env).toEqual({
        GREETING: 'hi',
        EMPTY: '',
        TIDE_NAMESPACE: 'team',
        TIDE_FUNCTION: 'envfn',
        TIDE_REVISION: 'envfn-00002',
        TIDE_POD: 'env-1',
        // <agent key>.<start token>: how the agent finds the pod's processes, its children's too.
        TIDE_POD_TOKEN: expect.stringMatching(/^[0-9a-f]{16}\.[0-9a-f]{24}$/),
        HOME: join(temp.path, 'data', 'pods', 'env-1'),
        PATH: expect.any(String),
      });
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('reports an import failure with its error and restarts it with growing back-off', async () => {
    const artifact = await writeArtifact(temp.path, 'broken', `throw new SyntaxError('unexpected token in config');`);
    const { agent, reports, waitForReport } = await open({ backoff: { initialMs: 100, maxMs: 2_000 } });
    const delays: number[] = [];
    agent.sync([podSpec('broken-1', artifact)]);
    for (let restart = 0; restart < 3; restart++) {
      const exited = await waitForReport((r) => r.phase === 'Exited' && r.restartCount === restart, `exit #${restart + 1}`);
      delays.push(exited.nextRestartAt! - Date.now());
      expect(exited).toMatchObject({ exitCode: 1, reason: 'import failed: SyntaxError: unexpected token in config' });
    }
    expect(reports.find((r) => r.phase === 'Exited')?.coldStart).toBe(coldStart);
    // 100 ms, 200 ms, 400 ms (less the few ms between report and now)
    expect(delays[1]!).toBeGreaterThan(delays[0]!);
    expect(delays[2]!).toBeGreaterThan(delays[1]!);
    expect(delays[2]!).toBeGreaterThan(250);
    expect(
      reports
        .filter((r) => r.phase === 'Starting')
        .map((r) => r.restartCount)
        .slice(0, 3),
    ).toEqual([0, 1, 2]);
    expect(reports.some((r) => r.phase === 'Ready')).toBe(false);
  });

  it('reports a pod that exits mid-request with its code, then restarts it', async () => {
    const artifact = await writeArtifact(
      temp.path,
      'quitter',
      `export default { fetch: (req) => new URL(req.url).pathname === '/quit' ? process.exit(3) : new Response('alive') };`,
    );
    const { agent, waitForReport } = await open({ backoff: { initialMs: 50, maxMs: 1_000 } });
    agent.sync([podSpec('quitter-1', artifact)]);
    const first = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    await expect(fetch(`${first.endpoint}/quit`)).rejects.toThrow();
    const exited = await waitForReport((r) => r.phase === 'Exited', 'Exited');
    expect(exited).toMatchObject({ exitCode: 3, signal: null, reason: 'exited with code 3', restartCount: 0, pid: first.pid });
    const second = await waitForReport((r) => r.phase === 'Ready' && r.restartCount === 1, 'Ready after restart');
    expect(second.pid).not.toBe(first.pid);
    expect(await (await fetch(second.endpoint!)).text()).toBe('alive');
  });

  it('stops a pod removed from the desired set gracefully: its in-flight request finishes', async () => {
    const artifact = await writeArtifact(
      temp.path,
      'slow',
      `export default { fetch: async () => { console.log('started'); await new Promise((r) => setTimeout(r, 300)); return new Response('finished'); } };`,
    );
    const { agent, logs, waitForReport } = await open();
    agent.sync([podSpec('slow-1', artifact)]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    const inFlight = fetch(ready.endpoint!).then(async (r) => ({ status: r.status, text: await r.text() }));
    await waitUntil(() => logs.some((l) => l.line === 'started'), 'the request to start');
    agent.sync([]);
    expect(await inFlight).toEqual({ status: 200, text: 'finished' });
    const stopped = await waitForReport((r) => r.phase === 'Stopped', 'Stopped');
    expect(stopped).toMatchObject({ pod: 'slow-1', exitCode: 0 });
    expect(processIsRunning(ready.pid!)).toBe(false);
    expect(existsSync(join(temp.path, 'data', 'pods', 'slow-1'))).toBe(false);
    expect(agent.pods()).toEqual([]);
  });

  it('kills a pod whose drain outlasts its grace period', async () => {
    // The runtime drains in-flight requests on SIGTERM for up to timeoutSeconds; this request never ends.
    const hang = await writeArtifact(temp.path, 'hang', `export default { fetch: () => { console.log('hanging'); return new Promise(() => {}); } };`);
    const { agent, logs, waitForReport } = await open();
    agent.sync([podSpec('hang-1', hang, { terminationGraceSeconds: 0.3, timeoutSeconds: 60 })]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    void fetch(ready.endpoint!).catch(() => {});
    await waitUntil(() => logs.some((l) => l.line === 'hanging'), 'the request to start');
    agent.sync([]);
    const stopped = await waitForReport((r) => r.phase === 'Stopped', 'Stopped');
    expect(stopped.signal).toBe('SIGKILL');
    expect(processIsRunning(ready.pid!)).toBe(false);
  });

  it('sync is idempotent: the same pod is never restarted by it', async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    const { agent, reports, waitForReport } = await open();
    const spec = podSpec('same-1', artifact);
    agent.sync([spec]);
    agent.sync([spec]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    agent.sync([{ ...spec, memoryMb: 256 }]);
    agent.sync([spec]);
    expect(reports.filter((r) => r.phase === 'Starting')).toHaveLength(1);
    expect(agent.pods()).toEqual([ready]);
  });

  it('kills a pod that does not become ready in time and reports why', async () => {
    const artifact = await writeArtifact(temp.path, 'sleepy', `await new Promise((r) => setTimeout(r, 60_000)); export default () => new Response('late');`);
    const { agent, waitForReport } = await open({ startTimeoutMs: 300, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    agent.sync([podSpec('sleepy-1', artifact)]);
    const exited = await waitForReport((r) => r.phase === 'Exited', 'Exited');
    expect(exited).toMatchObject({ signal: 'SIGKILL', reason: 'not ready within 0.3s' });
  });

  it('reports a pod that runs out of heap as OOM', async () => {
    const artifact = await writeArtifact(
      temp.path,
      'hog',
      `const keep = []; export default { fetch: () => { for (;;) keep.push(new Array(100_000).fill(Math.random())); } };`,
    );
    const { agent, waitForReport } = await open({ backoff: { initialMs: 60_000, maxMs: 60_000 }, memoryMb: 32 });
    agent.sync([podSpec('hog-1', artifact, { memoryMb: 32 })]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    expect(ready.coldStart).toBe(coldStart);
    void fetch(ready.endpoint!).catch(() => {});
    const exited = await waitForReport((r) => r.phase === 'Exited', 'Exited', 20_000);
    expect(exited.reason).toBe('OOM');
  });

  it('close() stops every pod and resolves when all have exited', async () => {
    const artifact = await writeArtifact(temp.path, 'hello', HELLO);
    const { agent, waitForReport } = await open();
    agent.sync([podSpec('a-1', artifact), podSpec('b-1', artifact)]);
    const a = await waitForReport((r) => r.pod === 'a-1' && r.phase === 'Ready', 'a Ready');
    const b = await waitForReport((r) => r.pod === 'b-1' && r.phase === 'Ready', 'b Ready');
    await agent.close();
    expect(processIsRunning(a.pid!)).toBe(false);
    expect(processIsRunning(b.pid!)).toBe(false);
    expect(agent.pods()).toEqual([]);
  });
});
