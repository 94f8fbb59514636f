import { join } from 'node:path';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * Issue 12: where pods are not sandboxed, Tide says so at start and runs namespace default's code
 * only, unless told every namespace is one tenant (--insecure-single-tenant). `--sandbox none`
 * stands for a machine that cannot sandbox (not root, no bubblewrap): `auto` falls back to the same.
 */
const started: { tide: StartedTide; remove: () => Promise<void> }[] = [];

async function up(args: string[]): Promise<StartedTide> {
  const dir = await makeTempDir('tide-unsandboxed-');
  const tide = await startTide({ dataDir: join(dir.path, 'data'), port: await freePort(), args: ['--warm-pool', '0', ...args], timeoutMs: 60_000 });
  started.push({ tide, remove: dir.remove });
  return tide;
}

async function cli(tide: StartedTide, args: string[]) {
  const result = await runCli(args, { server: tide.url, timeoutMs: 90_000 });
  expect(result.code, `tide ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

async function call(tide: StartedTide, namespace: string) {
  const res = await request(`${tide.url}/fn/${namespace}/hello`, { headersTimeout: 30_000 });
  return { status: res.statusCode, text: await res.body.text() };
}

afterAll(async () => {
  for (const { tide, remove } of started) {
    await stopTide(tide);
    await remove();
  }
}, 60_000);

describe('tide up on pods it does not sandbox', () => {
  it("says so at start, runs namespace default's code, and keeps another namespace's Pending saying why", async () => {
    const tide = await up(['--sandbox', 'none']);
    expect(tide.output()).toMatch(/pods are NOT sandboxed \(--sandbox none\): it runs namespace default's code only/);
    await cli(tide, ['create', 'namespace', 'team-b']);
    await cli(tide, ['deploy', 'functions/hello', '-n', 'team-b', '--no-wait']);
    await cli(tide, ['deploy', 'functions/hello']);
    expect((await call(tide, 'default')).status).toBe(200);

    // The scheduler says why no node takes team-b's pod, where `tide get pods` and describe show it.
    await eventually(
      async () => {
        const pods = await cli(tide, ['get', 'pods', '-n', 'team-b', '-o', 'json']);
        const items = (JSON.parse(pods.stdout) as { items: { status: { phase: string; reason?: string } }[] }).items;
        expect(items.length).toBeGreaterThan(0);
        for (const pod of items) {
          expect(pod.status.phase).toBe('Pending');
          expect(pod.status.reason).toMatch(/does not sandbox pods, so it runs namespace default's code only/);
        }
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const described = await cli(tide, ['describe', 'function', 'hello', '-n', 'team-b']);
    expect(described.stdout).toMatch(/does not sandbox pods/);
    expect(described.stdout).toMatch(/--insecure-single-tenant/);
    const wide = await cli(tide, ['get', 'nodes', '-o', 'wide']);
    expect(wide.stdout).toMatch(/local\s+Ready\s.*127\.0\.0\.1\s+none:default\s/);
  }, 180_000);

  it("runs every namespace's code with --insecure-single-tenant, and says what that gives up", async () => {
    const tide = await up(['--sandbox', 'none', '--insecure-single-tenant']);
    expect(tide.output()).toMatch(/pods are NOT sandboxed \(--sandbox none\): it runs every namespace's code as its own user \(--insecure-single-tenant\)/);
    await cli(tide, ['create', 'namespace', 'team-b']);
    await cli(tide, ['deploy', 'functions/hello', '-n', 'team-b']);
    expect((await call(tide, 'team-b')).status).toBe(200);
    const wide = await cli(tide, ['get', 'nodes', '-o', 'wide']);
    expect(wide.stdout).toMatch(/local\s+Ready\s.*127\.0\.0\.1\s+none:all\s/);
  }, 180_000);

  it('refuses a sandbox setting it does not know, naming the choices', async () => {
    const result = await runCli(['up', '--sandbox', 'gvisor', '--port', String(await freePort())], { server: 'http://127.0.0.1:1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--sandbox "gvisor": must be auto, bwrap or none/);
  });
});
