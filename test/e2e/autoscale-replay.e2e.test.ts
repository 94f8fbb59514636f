import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * Issue 9, item 7: `tide autoscale replay` printed a NOW column (1→3→5→6) that was not what the
 * autoscaler had decided (1→2→4→6→8). Replayed with the recorded settings, the recorded history of
 * a function must show the decisions that were made: its scale events, in order.
 */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;
const client = new Agent({ connections: 64 });

interface ScaleRecord {
  from: number;
  to: number;
  reason: string;
}
const scales = async () =>
  (
    (await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/sleep`, { headers: tide.headers })).body.json()) as {
      status: { desiredReplicas: number; recentScales: ScaleRecord[] };
    }
  ).status;

beforeAll(async () => {
  dir = await makeTempDir('tide-replay-');
  tide = await startTide({ dataDir: dir.path, port: await freePort() });
  const deployed = await runCli(
    ['deploy', join(repoRoot, 'functions/sleep'), '--min', '0', '--max', '20', '--target', '5', '--scale-to-zero-after', '8', '--stable-window', '6'],
    { server: tide.url },
  );
  expect(deployed.code, deployed.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await client.close();
  await stopTide(tide);
  await dir?.remove();
});

describe('tide autoscale replay with the recorded settings', () => {
  it('shows the scale decisions the autoscaler made, in order', async () => {
    await eventually(async () => expect((await scales()).desiredReplicas).toBe(0), { timeoutMs: 30_000, intervalMs: 100 });
    // a burst of 30 callers for 3 s, then 2 callers for 9 s, then nothing until it is back at zero
    const started = Date.now();
    const call = async (until: number) => {
      for (let i = 0; i < 5_000 && Date.now() - started < until; i++) {
        const res = await request(`${tide.url}/fn/default/sleep?ms=100`, { dispatcher: client, headersTimeout: 30_000 });
        await res.body.dump();
      }
    };
    await Promise.all([...Array.from({ length: 28 }, () => call(3_000)), call(12_000), call(12_000)]);
    await eventually(async () => expect((await scales()).desiredReplicas).toBe(0), { timeoutMs: 30_000, intervalMs: 100 });
    const recorded = (await scales()).recentScales;
    expect(recorded.length).toBeGreaterThanOrEqual(3);

    const replayed = await runCli(['autoscale', 'replay', 'sleep', '--from', '0', '--set', 'target=20'], { server: tide.url });
    expect(replayed.code, replayed.stderr).toBe(0);
    console.log(replayed.stdout);
    // the NOW column, one value per row, without repeats: the replica counts it went through
    const rows = replayed.stdout.split('\n').filter((l) => /^\+\d+s\s/.test(l));
    const now = rows.map((l) => Number(l.trim().split(/\s+/)[2])).filter((n, i, all) => i === 0 || n !== all[i - 1]);
    const made = [recorded[0]!.from, ...recorded.map((s) => s.to)];
    expect(now.slice(-made.length), `NOW column ${now.join('→')} vs recorded ${made.join('→')}`).toEqual(made);
    expect(replayed.stdout).toContain(`${recorded.length} of the function's last ${recorded.length} scale events among them`);
  }, 90_000);
});
