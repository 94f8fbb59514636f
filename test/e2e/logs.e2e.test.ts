import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { eventually, makeTempDir, waitFor } from '@tide/testkit/testing';
import { baseEnv, cliEntry, freePort, repoRoot, runCli, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

/** `tide logs`: what a function's pods print, shipped by the node to the logs topic. */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;

const CHATTY = `export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    console.log('serving ' + path);
    if (path === '/warn') console.error('something odd at ' + path);
    return new Response('ok ' + path);
  },
};
`;

beforeAll(async () => {
  dir = await makeTempDir('tide-logs-');
  await mkdir(join(dir.path, 'chatty'), { recursive: true });
  await writeFile(join(dir.path, 'chatty', 'index.mjs'), CHATTY);
  tide = await startTide({ dataDir: join(dir.path, 'data'), port: await freePort() });
  const deployed = await runCli(['deploy', join(dir.path, 'chatty')], { server: tide.url });
  expect(deployed.code, deployed.stderr).toBe(0);
  // Another function's output must not show up in chatty's logs.
  expect((await runCli(['deploy', join(repoRoot, 'functions/hello')], { server: tide.url })).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

const call = async (path: string) => {
  const res = await request(`${tide.url}/fn/default/chatty${path}`);
  expect(await res.body.text()).toBe(`ok ${path}`);
};

describe('tide logs', () => {
  it("prints what a function's pods printed, prefixed with the pod, stderr marked", async () => {
    await call('/first');
    await call('/warn');
    await eventually(
      async () => {
        const logs = await runCli(['logs', 'chatty'], { server: tide.url });
        expect(logs.code, logs.stderr).toBe(0);
        expect(logs.stdout).toMatch(/^\[chatty-00001-\w+\] serving \/first$/m);
        expect(logs.stdout).toMatch(/^\[chatty-00001-\w+\] ! something odd at \/warn$/m);
        expect(logs.stdout.indexOf('/first')).toBeLessThan(logs.stdout.indexOf('/warn'));
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    const last = await runCli(['logs', 'chatty', '--tail', '1'], { server: tide.url });
    expect(last.stdout.trim().split('\n')).toHaveLength(1);
    expect(last.stdout).toMatch(/something odd at \/warn/);
  });

  it('follows new lines with -f until stopped', async () => {
    const child = spawn(process.execPath, [cliEntry, 'logs', 'chatty', '-f', '--tail', '0'], {
      env: { ...baseEnv(), TIDE_SERVER: tide.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    try {
      // --tail 0 follows from wherever the logs topic ended when the request reached the server, and
      // nothing tells the test when that was (on a busy machine the CLI alone takes seconds to start):
      // a line printed before is rightly never shown. So call again, about once a second, until a
      // call's line comes through the follower.
      let checks = 0;
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`tide logs -f exited (${child.exitCode}): ${err}`);
          if (/^\[chatty-00001-\w+\] serving \/later$/m.test(out)) return true;
          if (checks++ % 10 === 0) await call('/later');
          return false;
        },
        { what: 'a line printed after `tide logs -f` started to come through it', timeoutMs: 30_000, intervalMs: 100 },
      );
      expect(out).not.toMatch(/\/first/); // --tail 0: only what came after
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('names a function that does not exist, and a bad --tail', async () => {
    const missing = await runCli(['logs', 'nope'], { server: tide.url });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/logs of default\/nope \(404\): function default\/nope not found/);
    const bad = await runCli(['logs', 'chatty', '--tail', 'all'], { server: tide.url });
    expect(bad.stderr).toMatch(/--tail must be a whole number, got "all"/);
  });
});
