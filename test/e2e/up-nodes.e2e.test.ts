import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/** `tide up --nodes 3`: three node processes on one machine share it, and serve. */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;

interface NodeList {
  items: { metadata: { name: string }; spec: { capacity: { memoryMb: number; cpuMilli: number; pods: number } }; status: { ready: boolean } }[];
}
const nodes = async () => ((await (await request(`${tide.url}/apis/tide.dev/v1/nodes`, { headers: tide.headers })).body.json()) as NodeList).items;

beforeAll(async () => {
  dir = await makeTempDir('tide-up-nodes-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--nodes', '3', '--warm-pool', '0'] });
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('tide up --nodes 3', () => {
  it('registers three nodes that together declare no more than the machine', async () => {
    await eventually(
      async () =>
        expect(
          (await nodes())
            .filter((n) => n.status.ready)
            .map((n) => n.metadata.name)
            .sort(),
        ).toEqual(['node-1', 'node-2', 'node-3']),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    const declared = (await nodes()).map((n) => n.spec.capacity);
    const sum = (key: 'memoryMb' | 'cpuMilli') => declared.reduce((total, c) => total + c[key], 0);
    // One node alone declares 75 % of the memory and 4× the cores (CPU requests overcommit); three share that.
    expect(sum('memoryMb')).toBeLessThanOrEqual((totalmem() / 1024 / 1024) * 0.75);
    expect(sum('cpuMilli')).toBeLessThanOrEqual(cpus().length * 4000);
    expect(new Set(declared.map((c) => c.memoryMb)).size).toBe(1);
  });

  it('runs a deployed function on them', async () => {
    const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--min', '1'], { server: tide.url });
    expect(deployed.code, deployed.stderr).toBe(0);
    const res = await request(`${tide.url}/fn/default/hello`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toMatch(/Hello/);
  });
});
