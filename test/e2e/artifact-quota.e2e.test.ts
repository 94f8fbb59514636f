import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide;

beforeAll(async () => {
  dir = await makeTempDir('tide-artifact-quota-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--nodes', '0'] });
}, 60_000);
afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

const applyNamespace = async (name: string, quota: Record<string, number>) => {
  const res = await request(`${tide.url}/apis/tide.dev/v1/namespaces/${name}`, {
    method: 'PUT',
    headers: { ...tide.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name }, spec: { quota } }),
  });
  expect(res.statusCode, await res.body.text()).toBeLessThan(300);
};

describe('the per-namespace artifact quota, through tide deploy', () => {
  it('refuses a deploy whose bundle would take the namespace past maxArtifactBytes, naming the quota', async () => {
    await applyNamespace('tight', { maxArtifactBytes: 100 });
    const refused = await runCli(['deploy', join(repoRoot, 'functions/hello'), '-n', 'tight'], { server: tide.url });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('namespace tight quota maxArtifactBytes 100 would be exceeded');
    const fn = await request(`${tide.url}/apis/tide.dev/v1/namespaces/tight/functions/hello`, { headers: tide.headers });
    await fn.body.dump();
    expect(fn.statusCode).toBe(404);
  }, 60_000);
});
