import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { makeTempDir, waitFor } from '@tide/testkit/testing';
import { baseEnv, cliEntry, freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * Issue 13: `tide top` in a real terminal (tmux, on a private socket) while load runs, and
 * `tide explain pod` telling a cold start's chain from the state log.
 */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;
const socket = `tide-top-${process.pid}`;
const client = new Agent({ connections: 8 });
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const pods = async () =>
  (
    (await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/pods`, { headers: tide.headers })).body.json()) as {
      items: { metadata: { name: string }; status: { phase: string } }[];
    }
  ).items;

beforeAll(async () => {
  dir = await makeTempDir('tide-top-');
  tide = await startTide({ dataDir: dir.path, port: await freePort() });
  const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--min', '0', '--scale-to-zero-after', '3'], { server: tide.url });
  expect(deployed.code, deployed.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // no server left: the view ended and took its session with it
  }
  await client.close();
  await stopTide(tide);
  await dir?.remove();
});

describe('tide explain pod', () => {
  it('tells a call from zero: scale decision → created → bound → started → ready, in order, with reasons', async () => {
    await waitFor(async () => (await pods()).length === 0, { what: 'hello scaled to zero', timeoutMs: 30_000, intervalMs: 100 });
    const res = await request(`${tide.url}/fn/default/hello`, { dispatcher: client });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const [pod] = await pods();
    const explained = await runCli(['explain', 'pod', pod!.metadata.name], { server: tide.url });
    expect(explained.code, explained.stderr).toBe(0);
    const rows = explained.stdout.split('\n').filter((line) => /^\d+\s/.test(line));
    const steps = rows.map((row) => row.split(/\s{3,}/)[3]);
    expect(steps, explained.stdout).toEqual(['scaled 0 → 1', 'created (hello-00001)', 'bound to node local', 'starting', 'ready']);
    expect(rows[0], 'the autoscaler says why it scaled').toMatch(/from zero: .*1 waiting/);
    expect(rows[2], 'the scheduler says how the node scored').toMatch(/highest score \d+ \(/);
    expect(rows[4], 'the node says how the pod started').toMatch(/(claimed a warm-pool process|spawned a process); \d+ ms after its start/);

    const described = await runCli(['describe', 'function', 'hello'], { server: tide.url });
    expect(described.stdout).toContain(`${pod!.metadata.name} (`);
    expect(described.stdout).toMatch(/scaled 0 → 1/);
  }, 60_000);

  it('names an unknown pod in a clear error', async () => {
    const unknown = await runCli(['explain', 'pod', 'hello-00001-nosuch'], { server: tide.url });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('pod default/hello-00001-nosuch not found');
    const bad = await runCli(['explain', 'pod', 'Not_A_Pod'], { server: tide.url });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"Not_A_Pod" is not a pod name');
  });
});

describe('tide top in a terminal', () => {
  it('redraws a row for hello with its requests per second and replicas while load runs, and quits on Ctrl-C', async () => {
    const env = { ...baseEnv(), TIDE_SERVER: tide.url };
    tmux(
      'new-session',
      '-d',
      '-s',
      'top',
      '-x',
      '160',
      '-y',
      '30',
      ...Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]),
      process.execPath,
      cliEntry,
      'top',
    );
    let done = false;
    const load = (async () => {
      // Bounded: at most 20 000 calls, and only until the pane showed what it must.
      for (let i = 0; i < 20_000 && !done; i++) {
        const res = await request(`${tide.url}/fn/default/hello`, { dispatcher: client });
        await res.body.dump();
      }
    })();
    const row = await waitFor(
      () => {
        const pane = tmux('capture-pane', '-p', '-t', 'top');
        const cells = pane
          .split('\n')
          .find((line) => line.startsWith('hello '))
          ?.trim()
          .split(/\s+/);
        // NAME RPS P50 P99 ERR/S IN-FLIGHT REPLICAS COLD
        return cells && Number(cells[1]) > 0 && /^[1-9]\d*\/[1-9]\d*$/.test(cells[6]!) ? { pane, cells } : undefined;
      },
      { what: 'tide top showing hello with requests and a ready replica', timeoutMs: 30_000, intervalMs: 200 },
    );
    done = true;
    await load;
    expect(row.pane).toMatch(/tide top: functions in default at http:\/\/127\.0\.0\.1:\d+/);
    expect(row.pane).toMatch(/NAME\s+RPS\s+P50\s+P99\s+ERR\/S\s+IN-FLIGHT\s+REPLICAS\s+COLD/);
    expect(row.cells[2]).toMatch(/^\d+(\.\d)?(µs|ms|s)$/);

    tmux('send-keys', '-t', 'top', 'C-c');
    await waitFor(
      () => {
        try {
          tmux('has-session', '-t', 'top');
          return false;
        } catch {
          return true;
        }
      },
      { what: 'tide top to exit on Ctrl-C', timeoutMs: 10_000, intervalMs: 100 },
    );
  }, 60_000);

  it('prints one snapshot when stdout is not a terminal, and nodes with requests against capacity', async () => {
    const once = await runCli(['top'], { server: tide.url });
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout).toMatch(/^NAME\s+RPS/);
    expect(once.stdout).not.toContain('\x1b[');
    const nodes = await runCli(['top', 'nodes'], { server: tide.url });
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout).toMatch(/\nlocal\s+Ready\s+\d+\/\d+\s+\d+m\/\d+m \(\d+%\)/);
    const missing = await runCli(['top', '-n', 'nope'], { server: tide.url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('namespace nope not found');
  });
});
