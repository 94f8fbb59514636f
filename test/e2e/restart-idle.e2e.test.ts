import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * Issue 9: a scale-to-zero function that nobody calls must stay at zero over restarts of `tide up`.
 * The load it saw before a restart (requests waiting at a cold start) is history, not demand now.
 *
 * `hello` is called by a few callers at once from zero (so its recorded load holds waiting
 * requests), then left idle. `echo` is the marker: after each restart it is called once and must
 * go back to zero, which shows the autoscaler has read the metrics recorded before the restart and
 * decided on later ticks for every function, hello included.
 */
const RESTARTS = 3;

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let port: number;
let tide: StartedTide | undefined;

interface FunctionView {
  status: { desiredReplicas: number; recentScales: { time: string; from: number; to: number; reason: string }[] };
}
const fn = async (name: string) =>
  (await (
    await request(`http://127.0.0.1:${port}/apis/tide.dev/v1/namespaces/default/functions/${name}`, { headers: tide?.headers })
  ).body.json()) as FunctionView;
const call = async (name: string) => {
  const res = await request(`http://127.0.0.1:${port}/fn/default/${name}`, { headersTimeout: 20_000 });
  await res.body.dump();
  return res.statusCode;
};

async function deploy(name: string) {
  const args = ['deploy', join(repoRoot, 'functions', name), '--min', '0', '--max', '5', '--target', '5', '--scale-to-zero-after', '2', '--stable-window', '6'];
  const deployed = await runCli(args, { server: `http://127.0.0.1:${port}` });
  expect(deployed.code, deployed.stderr).toBe(0);
}

beforeAll(async () => {
  dir = await makeTempDir('tide-restart-idle-');
  port = await freePort();
  tide = await startTide({ dataDir: dir.path, port });
  await deploy('hello');
  await deploy('echo');
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('an idle scale-to-zero function over restarts of tide up', () => {
  it(`is not woken by ${RESTARTS} restarts: no ScaleSet without traffic`, async () => {
    // A burst from zero: requests wait for the first pod and the gateway reports them waiting.
    await eventually(async () => expect((await fn('hello')).status.desiredReplicas).toBe(0), { timeoutMs: 30_000, intervalMs: 100 });
    expect(await Promise.all(Array.from({ length: 6 }, () => call('hello')))).toEqual(Array(6).fill(200));
    await eventually(async () => expect((await fn('hello')).status.desiredReplicas).toBe(0), { timeoutMs: 30_000, intervalMs: 100 });
    const lastScale = (await fn('hello')).status.recentScales.at(-1)!.time;

    for (let restart = 1; restart <= RESTARTS; restart++) {
      await stopTide(tide);
      tide = await startTide({ dataDir: dir.path, port });
      expect(await call('echo')).toBe(200);
      await eventually(async () => expect((await fn('echo')).status.desiredReplicas).toBe(0), { timeoutMs: 30_000, intervalMs: 100 }).catch((error: Error) => {
        throw new Error(`${error.message}\noutput: ${tide?.output()}`);
      });
      const after = (await fn('hello')).status;
      const woken = after.recentScales.filter((s) => s.time > lastScale).map((s) => `${s.from}→${s.to} (${s.reason})`);
      expect(woken, `ScaleSet of idle hello after restart ${restart}`).toEqual([]);
      expect(after.desiredReplicas).toBe(0);
    }
  }, 240_000);
});
