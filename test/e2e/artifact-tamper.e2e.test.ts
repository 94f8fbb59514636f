import { existsSync } from 'node:fs';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { bootstrapTokenIn, startJoiningNode } from '../support/component-tokens.js';
import { freePort, repoRoot, runCli, startTide, stopTide, type StartedTide, type TideProcess } from '../support/tide-process.js';

/**
 * Issue 12's attack: code with write access to the data directory overwrites another function's
 * artifact file, then has that function called (a new pod started). The tampered module would
 * leave a marker file the moment it is imported; it must never be run.
 */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide | undefined;
let node: TideProcess | undefined;

beforeEach(async () => {
  dir = await makeTempDir('tide-artifact-tamper-');
});
afterEach(async () => {
  await stopTide(node);
  await stopTide(tide);
  node = tide = undefined;
  await dir.remove();
});

const api = (path: string) => `${tide!.url}/apis/tide.dev/v1/namespaces/default/${path}`;
const hexOf = async (fn: string) => {
  const got = (await (await request(api(`functions/${fn}`), { headers: tide!.headers })).body.json()) as { spec: { source: { artifact: string } } };
  return got.spec.source.artifact.slice('sha256:'.length);
};
const deploy = async (name: string, min: number) => {
  const deployed = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--name', name, '--min', String(min)], { server: tide!.url });
  expect(deployed.code, deployed.stderr).toBe(0);
};

/** Overwrites a 0444 artifact file as an attacker who may write it would. */
async function overwrite(file: string, marker: string) {
  const before = await stat(file);
  await chmod(file, 0o644);
  await writeFile(
    file,
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'tampered code ran');\nexport default { fetch: () => new Response('pwned') };\n`,
  );
  expect((await stat(file)).ino).toBe(before.ino);
}

interface PodList {
  items: { spec: { function: string }; status: { phase: string; reason?: string } }[];
}
const podsOf = async (fn: string) =>
  ((await (await request(api('pods'), { headers: tide!.headers })).body.json()) as PodList).items.filter((p) => p.spec.function === fn);

describe('a tampered artifact file is never run', () => {
  it('on a node that fetches artifacts: the cached file is refused and fetched again, so the call runs the genuine code', async () => {
    tide = await startTide({ dataDir: join(dir.path, 'cp'), port: await freePort(), args: ['--nodes', '0'] });
    node = await startJoiningNode({
      server: tide.url,
      name: 'node-1',
      dataDir: join(dir.path, 'node'),
      bootstrapToken: bootstrapTokenIn(join(dir.path, 'cp')),
      args: ['--warm-pool', '0'],
    });
    await deploy('bystander', 1); // its pod puts the artifact in the node's cache
    await eventually(async () => expect((await podsOf('bystander')).map((p) => p.status.phase)).toEqual(['Ready']), { timeoutMs: 30_000, intervalMs: 100 });
    const cached = join(dir.path, 'node', 'artifacts', `${await hexOf('bystander')}.mjs`);
    expect(existsSync(cached)).toBe(true);

    const marker = join(dir.path, 'pwned');
    await overwrite(cached, marker);
    // A new function of the same bundle: its pod would load that same cached file.
    await deploy('victim', 1);
    await eventually(async () => expect((await podsOf('victim')).map((p) => p.status.phase)).toEqual(['Ready']), { timeoutMs: 30_000, intervalMs: 100 });
    const res = await request(`${tide.url}/fn/default/victim?name=Ada`, { headersTimeout: 60_000 });
    expect(await res.body.text()).toBe('Hello, Ada!\n');
    expect(res.statusCode).toBe(200);
    expect(existsSync(marker)).toBe(false);
    expect(await readFile(cached, 'utf8')).not.toContain('pwned');
    expect(node.output()).toContain('was changed on disk');
  }, 120_000);

  it("under tide up, where the node runs the control plane's own copy: the pod is refused, says why, and nothing serves the file", async () => {
    tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--warm-pool', '0'] });
    await deploy('victim', 0);
    const hex = await hexOf('victim');
    const stored = join(dir.path, 'artifacts', `${hex}.mjs`);
    const marker = join(dir.path, 'pwned');
    await overwrite(stored, marker);

    // A new pod of it: the call that scales it from zero.
    const call = request(`${tide.url}/fn/default/victim?name=Ada`, { headersTimeout: 60_000, bodyTimeout: 60_000 }).then(
      async (res) => ({ status: res.statusCode, text: await res.body.text() }),
      (error: Error) => ({ status: 0, text: error.message }),
    );
    await eventually(
      async () =>
        expect((await podsOf('victim')).map((p) => p.status.reason)).toEqual([
          expect.stringMatching(new RegExp(`^ArtifactUnavailable: artifact sha256:${hex} .*does not match its digest`)),
        ]),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const served = await request(`${tide.url}/apis/tide.dev/v1/artifacts/sha256:${hex}`, { headers: tide.headers });
    const body = await served.body.text();
    expect(served.statusCode).toBe(500);
    expect(body).not.toContain('pwned');
    expect((await podsOf('victim')).map((p) => p.status.phase)).not.toContain('Ready');
    expect(existsSync(marker)).toBe(false);
    await stopTide(tide); // ends the pending call too
    tide = undefined;
    const answered = await call;
    expect(answered.text).not.toContain('pwned');
  }, 120_000);
});
