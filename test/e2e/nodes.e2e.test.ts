import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { eventually, makeTempDir, waitFor } from '@tide/testkit/testing';
import { bootstrapTokenIn, startJoiningNode } from '../support/component-tokens.js';
import {
  freePort,
  isSandboxInit,
  processesMentioning,
  repoRoot,
  runCli,
  startTide,
  stopTide,
  type StartedTide,
  type TideProcess,
} from '../support/tide-process.js';

/** Three nodes as separate processes: spread, failover after kill -9, and no pod twice on return. */
// Long enough that a node on a busy 2-core machine does not miss its lease (renewed every 2 s) and flap NotReady.
const GRACE_SECONDS = 8;
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;
const nodes = new Map<string, TideProcess>();
const client = new Agent({ connections: 16 });

interface PodList {
  items: { metadata: { name: string }; spec: { node?: string; function: string }; status: { phase: string } }[];
}
const pods = async () =>
  ((await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/pods`, { headers: tide.headers })).body.json()) as PodList).items;
const readyByNode = async () => {
  const counts: Record<string, number> = {};
  for (const pod of await pods()) if (pod.status.phase === 'Ready') counts[pod.spec.node!] = (counts[pod.spec.node!] ?? 0) + 1;
  return counts;
};
// Each joins with the bootstrap token the first time (and keeps its own credential in its data directory).
const node = (name: string) =>
  startJoiningNode({ server: tide.url, name, dataDir: join(dir.path, 'nodes', name), bootstrapToken: bootstrapTokenIn(dir.path), args: ['--warm-pool', '0'] });

beforeAll(async () => {
  dir = await makeTempDir('tide-nodes-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--nodes', '0', '--node-grace', String(GRACE_SECONDS)] });
  for (const name of ['node-1', 'node-2', 'node-3']) nodes.set(name, await node(name));
  // A node process says it is up once it has started; the scheduler spreads over the nodes the log shows Ready.
  await eventually(
    async () => {
      const list = (await (await request(`${tide.url}/apis/tide.dev/v1/nodes`, { headers: tide.headers })).body.json()) as {
        items: { metadata: { name: string }; status: { ready: boolean } }[];
      };
      expect(
        list.items
          .filter((n) => n.status.ready)
          .map((n) => n.metadata.name)
          .sort(),
      ).toEqual(['node-1', 'node-2', 'node-3']);
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}, 90_000);

afterAll(async () => {
  await client.close();
  for (const n of nodes.values()) await stopTide(n);
  await stopTide(tide);
  await dir?.remove();
});

describe('three nodes', () => {
  it('spreads a function at min 6 as 2/2/2', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--min', '6'], { server: tide.url });
    expect(deployed.code, deployed.stderr).toBe(0);
    await eventually(async () => expect(await readyByNode()).toEqual({ 'node-1': 2, 'node-2': 2, 'node-3': 2 }), { timeoutMs: 20_000, intervalMs: 100 });
  });

  it('moves the pods of a node killed with -9 to the others, while calls keep succeeding', async () => {
    const statuses = new Map<number | string, number>();
    const failures = new Set<string>();
    let calling = true;
    const caller = (async () => {
      for (let i = 0; i < 100_000 && calling; i++) {
        try {
          const res = await request(`${tide.url}/fn/default/hello`, { dispatcher: client });
          const text = await res.body.text();
          if (res.statusCode !== 200) failures.add(text);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'error';
          statuses.set(code, (statuses.get(code) ?? 0) + 1);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const killedAt = Date.now();
    nodes.get('node-2')!.child.kill('SIGKILL');
    await nodes.get('node-2')!.exited;
    nodes.delete('node-2');
    await eventually(
      async () => {
        const ready = await readyByNode();
        expect(ready['node-2']).toBeUndefined();
        expect((ready['node-1'] ?? 0) + (ready['node-3'] ?? 0)).toBe(6);
      },
      { timeoutMs: (GRACE_SECONDS + 15) * 1000, intervalMs: 100 },
    );
    const failoverMs = Date.now() - killedAt;
    // Calls go on over the moved pods for a while: until 20 more have been answered.
    const answeredAtFailover = [...statuses.values()].reduce((a, b) => a + b, 0);
    await waitFor(() => [...statuses.values()].reduce((a, b) => a + b, 0) >= answeredAtFailover + 20, {
      what: '20 more calls after the pods moved',
      timeoutMs: 30_000,
    });
    calling = false;
    await caller;
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const errors = total - (statuses.get(200) ?? 0);
    console.log(
      `failover: 6 pods Ready on node-1 and node-3 ${failoverMs} ms after kill -9 (grace ${GRACE_SECONDS} s); calls during it: ${total}, errors ${errors} ${JSON.stringify(Object.fromEntries(statuses))} ${[...failures].join(' | ')}`,
    );
    expect(errors / total).toBeLessThan(0.05);
    expect((await request(`${tide.url}/fn/default/hello`)).statusCode).toBe(200);
  }, 60_000);

  it('runs no pod twice when the killed node comes back', async () => {
    nodes.set('node-2', await node('node-2'));
    await eventually(
      async () => {
        const list = await runCli(['get', 'nodes'], { server: tide.url });
        expect(list.stdout).toMatch(/node-2\s+Ready/);
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    await new Promise((r) => setTimeout(r, 2000));
    const current = await pods();
    const names = current.map((p) => p.metadata.name);
    expect(new Set(names).size).toBe(names.length);
    // With the warm pool off, each runtime process is exactly one pod of the log (a sandboxed one is
    // the bwrap the agent started, whose command line its sandbox's pid 1 repeats).
    const runtimes = processesMentioning(join(dir.path, 'nodes'), 'runtime').filter((pid) => !isSandboxInit(pid)).length;
    expect(runtimes).toBe(current.filter((p) => p.status.phase === 'Ready' || p.status.phase === 'Starting').length);
  }, 60_000);
});
