import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeAgent } from './node-agent.js';
import type { ProbeSpec } from './pod-types.js';
import { makeTempDir, openTestAgent, podSpec, processIsRunning, writeArtifact } from './testing/agent-harness.js';

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

/** A function whose probe paths answer as told: /unready, /ready-again, /wedge (liveness hangs from then on). */
const TOGGLES = `
let ready = true;
let wedged = false;
export default { fetch: (req) => {
  const path = new URL(req.url).pathname;
  if (path === '/healthz/ready') return new Response(null, { status: ready ? 200 : 503 });
  if (path === '/healthz/live') return wedged ? new Promise(() => {}) : new Response('ok');
  if (path === '/unready') ready = false;
  if (path === '/ready-again') ready = true;
  if (path === '/wedge') wedged = true;
  return new Response('done');
} };`;

const fast = (path: string, overrides: Partial<ProbeSpec> = {}): ProbeSpec => ({
  path,
  initialDelaySeconds: 0,
  periodSeconds: 0.05,
  timeoutSeconds: 0.2,
  failureThreshold: 2,
  ...overrides,
});

async function open() {
  const harness = await openTestAgent({ dataDir: join(temp.path, 'data'), warmPool: { size: 0 }, backoff: { initialMs: 100, maxMs: 1_000 } });
  agents.push(harness.agent);
  return harness;
}

describe('probes', () => {
  it('reports a pod whose readiness probe fails as not ready, without restarting it, and Ready again when it passes', async () => {
    const artifact = await writeArtifact(temp.path, 'toggles', TOGGLES);
    const { agent, reports, waitForReport } = await open();
    agent.sync([podSpec('web-1', artifact, { probes: { readiness: fast('/healthz/ready') } })]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    await fetch(`${ready.endpoint}/unready`);
    const notReady = await waitForReport((r) => r.phase === 'Starting' && r.reason !== undefined, 'not ready');
    expect(notReady).toEqual({
      pod: 'web-1',
      phase: 'Starting',
      pid: ready.pid,
      restartCount: 0,
      coldStart: 'spawn',
      reason: 'readiness probe failed: HTTP 503',
    });
    expect(agent.pods()).toEqual([notReady]);

    await fetch(`${ready.endpoint}/ready-again`);
    const again = await waitForReport((r) => r.phase === 'Ready' && reports.indexOf(r) > reports.indexOf(notReady), 'Ready again');
    expect(again).toEqual({ pod: 'web-1', phase: 'Ready', endpoint: ready.endpoint, pid: ready.pid, restartCount: 0, coldStart: 'spawn' });
    expect(reports.map((r) => r.phase)).toEqual(['Starting', 'Ready', 'Starting', 'Ready']);
  });

  it('kills a pod whose liveness probe fails and restarts it under back-off, counting a restart', async () => {
    const artifact = await writeArtifact(temp.path, 'toggles', TOGGLES);
    const { agent, reports, waitForReport } = await open();
    agent.sync([podSpec('web-1', artifact, { terminationGraceSeconds: 1, probes: { liveness: fast('/healthz/live'), readiness: fast('/healthz/ready') } })]);
    const first = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    await fetch(`${first.endpoint}/wedge`);
    const exited = await waitForReport((r) => r.phase === 'Exited', 'Exited');
    expect(exited).toMatchObject({
      pod: 'web-1',
      pid: first.pid,
      restartCount: 0,
      reason: 'liveness probe failed: timeout after 0.2s',
      nextRestartAt: expect.any(Number),
    });
    expect(processIsRunning(first.pid!)).toBe(false);
    const second = await waitForReport((r) => r.phase === 'Ready' && r.restartCount === 1, 'Ready after the restart');
    expect(second.pid).not.toBe(first.pid);
    expect(await (await fetch(`${second.endpoint}/healthz/live`)).text()).toBe('ok');
    // Routing stops at the kill (Starting with the reason), before the drain and the exit.
    expect(reports.map((r) => `${r.phase}${r.reason ? ` (${r.reason})` : ''}`)).toEqual([
      'Starting',
      'Ready',
      'Starting (liveness probe failed: timeout after 0.2s)',
      'Exited (liveness probe failed: timeout after 0.2s)',
      'Starting',
      'Ready',
    ]);
  });

  it('leaves a pod without probes alone whatever its paths answer', async () => {
    const artifact = await writeArtifact(temp.path, 'toggles', TOGGLES);
    const { agent, reports, waitForReport } = await open();
    agent.sync([podSpec('web-1', artifact)]);
    const ready = await waitForReport((r) => r.phase === 'Ready', 'Ready');
    await fetch(`${ready.endpoint}/unready`);
    await fetch(`${ready.endpoint}/wedge`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reports.map((r) => r.phase)).toEqual(['Starting', 'Ready']);
  });
});
