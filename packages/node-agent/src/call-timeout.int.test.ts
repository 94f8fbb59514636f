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

/** `/spin` blocks the event loop for good (a busy loop never ends by itself); anything else answers. */
const SPIN = `export default { fetch: (req) => {
  if (new URL(req.url).pathname === '/spin') { console.log('spinning'); for (;;) {} }
  return new Response('healthy ' + process.pid);
} };`;

/** `/hang` never answers but leaves the event loop free; `/slow` answers 300 ms late. */
const HANG = `export default { fetch: async (req) => {
  const path = new URL(req.url).pathname;
  if (path === '/hang') return new Promise(() => {});
  if (path === '/slow') { await new Promise((r) => setTimeout(r, 300)); return new Response('late'); }
  return new Response('healthy ' + process.pid);
} };`;

describe.each<{ coldStart: ColdStart; warmPool: WarmPoolSettings }>([
  { coldStart: 'pool', warmPool: { size: 1, memoryMb: 64 } },
  { coldStart: 'spawn', warmPool: { size: 0 } },
])('a call past its timeout, $coldStart path', ({ warmPool }) => {
  async function open() {
    // A crash would wait 60 s for its restart: a recycled pod must not.
    const harness = await openTestAgent({ dataDir: join(temp.path, 'data'), warmPool, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    agents.push(harness.agent);
    return harness;
  }

  it('busy-looping: the caller gets 504, the pod is recycled at once, the next call is served and no process spins on', async () => {
    const artifact = await writeArtifact(temp.path, 'spin', SPIN);
    const { agent, reports, waitForReport } = await open();
    agent.sync([podSpec('spin-1', artifact, { timeoutSeconds: 1 })]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');

    const spun = await fetch(`${ready.endpoint}/spin`, { signal: AbortSignal.timeout(10_000) });
    // Routing to the pod stopped before its caller was answered: a next call will not race into it.
    expect(reports.at(-1)).toMatchObject({ phase: 'Starting', reason: 'call ran past its timeout of 1s' });
    expect(spun.status).toBe(504);
    expect(await spun.text()).toBe('function timed out after 1s');

    const exited = await waitForReport((r) => r.phase === 'Exited', 'Exited');
    expect(exited).toMatchObject({ pod: 'spin-1', reason: 'call ran past its timeout of 1s', restartCount: 0 });
    // The spinning process is gone, not left burning a CPU beside its replacement.
    await waitUntil(() => !processIsRunning(ready.pid!), 'the spinning process to be gone');

    const again = await waitForReport((r) => r.phase === 'Ready' && r.restartCount === 1, 'Ready again', 10_000);
    expect(again.pid).not.toBe(ready.pid);
    const next = await fetch(`${again.endpoint}/`);
    expect(await next.text()).toBe(`healthy ${again.pid}`);
  });

  it('hanging with a free event loop: answered 504 by the pod itself, then recycled once the grace has passed', async () => {
    const artifact = await writeArtifact(temp.path, 'hang', HANG);
    const { agent, waitForReport } = await open();
    agent.sync([podSpec('hang-1', artifact, { timeoutSeconds: 1 })]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    const hung = await fetch(`${ready.endpoint}/hang`);
    expect(hung.status).toBe(504);
    const exited = await waitForReport((r) => r.phase === 'Exited', 'Exited');
    expect(exited.reason).toBe('call ran past its timeout of 1s');
    const again = await waitForReport((r) => r.phase === 'Ready' && r.restartCount === 1, 'Ready again');
    expect(await (await fetch(`${again.endpoint}/`)).text()).toBe(`healthy ${again.pid}`);
  });

  it('does not recycle a pod whose calls all answered within the timeout', async () => {
    const artifact = await writeArtifact(temp.path, 'hang', HANG);
    const { agent, reports, waitForReport } = await open();
    agent.sync([podSpec('slow-1', artifact, { timeoutSeconds: 1 })]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    // Each call answers 300 ms late, within the 1 s timeout; together they outlast a recycle's timeout + grace (2 s).
    const startedAt = Date.now();
    while (Date.now() - startedAt < 2_500) {
      expect(await (await fetch(`${ready.endpoint}/slow`)).text()).toBe('late');
    }
    expect(await (await fetch(`${ready.endpoint}/`)).text()).toBe(`healthy ${ready.pid}`);
    expect(reports.filter((r) => r.phase === 'Exited')).toEqual([]);
  });
});
