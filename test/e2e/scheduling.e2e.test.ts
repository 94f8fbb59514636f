import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { bootstrapTokenIn, startJoiningNode } from '../support/component-tokens.js';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide, type TideProcess } from '../support/tide-process.js';

/** Pods nothing can take stay Pending with the reason, and are placed as soon as a fitting node joins. */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;
const nodes: TideProcess[] = [];

beforeAll(async () => {
  dir = await makeTempDir('tide-sched-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--nodes', '0'] });
  nodes.push(await joinNode({ name: 'small', dataDir: join(dir.path, 'small'), args: ['--memory', '256', '--warm-pool', '0'] }));
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await stopTide(node);
  await stopTide(tide);
  await dir?.remove();
});

/** A `tide node` joining this Tide with its bootstrap token. */
const joinNode = (options: { name: string; dataDir: string; args: string[] }) =>
  startJoiningNode({ server: tide.url, bootstrapToken: bootstrapTokenIn(dir.path), ...options });

async function podOf(fn: string) {
  const list = (await (
    await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/pods?labelSelector=tide.dev/function=${fn}`, { headers: tide.headers })
  ).body.json()) as {
    items: { spec: { node?: string }; status: { phase: string; reason?: string } }[];
  };
  return list.items[0];
}

describe('unschedulable pods', () => {
  it('keep a pod too large for any node Pending with the reason, and place it when a big node joins', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--name', 'big', '--memory', '1024', '--wait', '2'], { server: tide.url });
    expect(deployed.code).toBe(1);
    await eventually(async () => expect((await podOf('big'))?.status.reason).toMatch(/node small: insufficient memory/), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    const wide = await runCli(['get', 'pods', '-o', 'wide'], { server: tide.url });
    expect(wide.stdout).toMatch(/big-00001-\w+\s+big-00001\s+Pending.*<none>.*unschedulable: node small: insufficient memory/);
    nodes.push(await joinNode({ name: 'large', dataDir: join(dir.path, 'large'), args: ['--memory', '4096', '--warm-pool', '0'] }));
    await eventually(async () => expect(await podOf('big')).toMatchObject({ spec: { node: 'large' }, status: { phase: 'Ready' } }), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
  }, 60_000);

  it('keep a pod whose node selector matches no node Pending, and place it when a labelled node joins', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--name', 'picky', '--wait', '20'], { server: tide.url });
    expect(deployed.code, deployed.stderr).toBe(0);
    const fn = (await (await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/picky`, { headers: tide.headers })).body.json()) as {
      spec: Record<string, unknown>;
    };
    const manifest = { apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: 'picky' }, spec: { ...fn.spec, nodeSelector: { disk: 'ssd' } } };
    const applied = await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/picky`, {
      method: 'PUT',
      body: JSON.stringify(manifest),
      headers: { ...tide.headers, 'content-type': 'application/json' },
    });
    expect(applied.statusCode).toBe(200);
    await applied.body.dump();
    const newPod = async () => {
      const list = (await (
        await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/pods?labelSelector=tide.dev/revision=picky-00002`, { headers: tide.headers })
      ).body.json()) as {
        items: { spec: { node?: string }; status: { phase: string; reason?: string } }[];
      };
      return list.items[0];
    };
    await eventually(async () => expect((await newPod())?.status.reason).toMatch(/node selector|disk=ssd/), { timeoutMs: 10_000, intervalMs: 100 });
    expect((await request(`${tide.url}/fn/default/picky`)).statusCode).toBe(200); // the old revision keeps serving meanwhile
    nodes.push(await joinNode({ name: 'fast', dataDir: join(dir.path, 'fast'), args: ['--label', 'disk=ssd', '--warm-pool', '0'] }));
    await eventually(async () => expect(await newPod()).toMatchObject({ spec: { node: 'fast' }, status: { phase: 'Ready' } }), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    // What the scheduler matched is what `get nodes -o wide` shows.
    const wide = await runCli(['get', 'nodes', '-o', 'wide'], { server: tide.url });
    expect(wide.stdout).toMatch(/ADDRESS\s+SANDBOX\s+LABELS\s+TAINTS/);
    // bwrap where the machine can sandbox (root, bubblewrap), else none:default (namespace default's code only).
    expect(wide.stdout).toMatch(/fast\s+Ready\s.*127\.0\.0\.1\s+(bwrap|none:default)\s+disk=ssd\s+<none>/);
  }, 60_000);
});
