import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnRuntime, type RuntimeProcess } from './adapters/runtime-process.js';
import type { NodeAgent } from './node-agent.js';
import { makeTempDir, openTestAgent, podSpec, processIsRunning, waitUntil, writeArtifact } from './testing/agent-harness.js';
import { createManualClock, type ManualClock } from './testing/manual-clock.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
const agents: NodeAgent[] = [];
const runtimes: RuntimeProcess[] = [];

beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  for (const runtime of runtimes.splice(0)) if (!runtime.exited) runtime.child.kill('SIGKILL');
  await temp.remove();
});

/** A stand-in for the runtime entry: says when its SIGTERM handler is in place, then does what `onTerm` says. */
async function spawnScript(onTerm: string, clock: ManualClock): Promise<{ runtime: RuntimeProcess; lines: string[] }> {
  const entry = await writeArtifact(
    temp.path,
    'entry',
    `process.on('SIGTERM', () => { console.log('got SIGTERM'); ${onTerm} }); setInterval(() => {}, 1000); process.send({ type: 'listening' });`,
  );
  const dir = join(temp.path, 'pod');
  mkdirSync(dir, { recursive: true });
  const runtime = spawnRuntime({
    nodePath: process.execPath,
    runtimeEntry: entry,
    heapMb: 64,
    cpuWeightMilli: 100,
    config: { artifactPath: '/unused.mjs', timeoutMs: 60_000, host: '127.0.0.1', startToken: 'grace-test-token' },
    token: 'grace-test-token',
    pidDir: dir,
    cwd: dir,
    env: {},
    clock,
  });
  runtimes.push(runtime);
  const lines: string[] = [];
  runtime.logs.writeTo({ dir, onLine: (_stream, line) => lines.push(line) });
  await new Promise((resolve) => runtime.child.once('message', resolve));
  return { runtime, lines };
}

describe('terminate(graceMs)', () => {
  it('SIGKILLs a process that ignores SIGTERM exactly when the grace ends, not a moment before', async () => {
    const clock = createManualClock();
    const { runtime, lines } = await spawnScript('/* ignored */', clock);
    const terminated = runtime.terminate(5_000);
    expect(clock.pending()).toEqual([5_000]);
    await waitUntil(() => lines.includes('got SIGTERM'), 'SIGTERM to arrive');
    await clock.advance(4_999);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runtime.exited).toBe(false);
    await clock.advance(1);
    await terminated;
    expect(await runtime.ended).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('does not wait for the grace when the process exits on SIGTERM', async () => {
    const clock = createManualClock();
    const { runtime } = await spawnScript('process.exit(0);', clock);
    await runtime.terminate(30_000); // resolves with the clock never moved
    expect(await runtime.ended).toEqual({ code: 0, signal: null });
    expect(clock.pending()).toEqual([]);
  });
});

describe('terminationGraceSeconds on stop', () => {
  async function open() {
    const harness = await openTestAgent({ dataDir: join(temp.path, 'data'), warmPool: { size: 0 } });
    agents.push(harness.agent);
    return harness;
  }

  it('SIGKILLs a pod that does not exit on SIGTERM once its grace has passed', async () => {
    // The runtime drains in-flight requests on SIGTERM for up to timeoutSeconds (60 s); this one never ends.
    const hang = await writeArtifact(temp.path, 'hang', `export default { fetch: () => { console.log('hanging'); return new Promise(() => {}); } };`);
    const { agent, logs, waitForReport } = await open();
    agent.sync([podSpec('hang-1', hang, { terminationGraceSeconds: 0.5, timeoutSeconds: 60 })]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    void fetch(ready.endpoint!).catch(() => {});
    await waitUntil(() => logs.some((l) => l.line === 'hanging'), 'the request to start');
    const stopAt = Date.now();
    agent.sync([]);
    const stopped = await waitForReport((r) => r.phase === 'Stopped', 'Stopped');
    const tookMs = Date.now() - stopAt;
    expect(stopped).toMatchObject({ pod: 'hang-1', signal: 'SIGKILL' });
    expect(tookMs).toBeGreaterThanOrEqual(495); // Node timers may fire up to 1 ms early; the rest is slack
    expect(tookMs).toBeLessThan(30_000); // the grace, not the 60 s drain (a generous bound: a busy machine is slow)
    expect(processIsRunning(ready.pid!)).toBe(false);
  });

  it('does not wait for the grace when a pod exits on SIGTERM at once', async () => {
    const hello = await writeArtifact(temp.path, 'hello', `export default { fetch: () => new Response('hi') };`);
    const { agent, waitForReport } = await open();
    agent.sync([podSpec('hello-1', hello, { terminationGraceSeconds: 30 })]);
    await waitForReport((r) => r.phase === 'Ready', 'Ready');
    const stopAt = Date.now();
    agent.sync([]);
    const stopped = await waitForReport((r) => r.phase === 'Stopped', 'Stopped');
    expect(stopped).toMatchObject({ pod: 'hello-1', exitCode: 0 });
    expect(Date.now() - stopAt).toBeLessThan(20_000); // well short of the 30 s grace (a generous bound: a busy machine is slow)
  });
});
