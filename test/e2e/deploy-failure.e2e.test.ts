import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { makeTempDir } from '@tide/testkit/testing';
import { freePort, repoRoot, runCli, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

/**
 * A deploy whose new revision cannot start fails as soon as the cause is known, names it, and says
 * what still serves; the previous revision keeps answering. The wait bound (120 s) is far above
 * what a failed import needs, so a deploy that returns without "within 120s" did not wait it out.
 */
const BROKEN = join(repoRoot, 'test/fixtures/functions/throws-at-import');
const WAIT = ['--wait', '120'];
const CLI_TIMEOUT_MS = 150_000;

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;

beforeAll(async () => {
  dir = await makeTempDir('tide-deploy-failure-');
  tide = await startTide({ dataDir: dir.path, port: await freePort() });
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

const call = async (path: string) => {
  const res = await request(`${tide.url}${path}`);
  return { status: res.statusCode, text: await res.body.text() };
};

describe('a deploy whose revision cannot start', () => {
  it('fails with the import error, says the previous revision still serves, and the previous revision answers', async () => {
    const good = await runCli(['deploy', join(repoRoot, 'functions/hello'), '--name', 'greeter', '--env', 'GREETING=v1'], { server: tide.url });
    expect(good.code, good.stderr).toBe(0);
    expect((await call('/fn/default/greeter')).text).toBe('v1, world!\n');

    const broken = await runCli(['deploy', BROKEN, '--name', 'greeter', ...WAIT], { server: tide.url, timeoutMs: CLI_TIMEOUT_MS });
    expect(broken.code, broken.stderr).toBe(1);
    expect(broken.stderr).not.toMatch(/within 120s/);
    expect(broken.stderr).toMatch(/revision greeter-00002 failed: pod greeter-00002-\w+: import failed: Error: cannot start: missing DATABASE_URL/);
    expect(broken.stderr).toMatch(/the previous revision greeter-00001 still serves function default\/greeter/);

    for (let i = 0; i < 20; i++) expect(await call('/fn/default/greeter')).toEqual({ status: 200, text: 'v1, world!\n' });

    const status = await runCli(['rollout', 'status', 'function/greeter', ...WAIT], { server: tide.url, timeoutMs: CLI_TIMEOUT_MS });
    expect(status.code, status.stdout + status.stderr).toBe(1);
    expect(status.stderr).not.toMatch(/after 120s/);
    expect(status.stderr).toMatch(/revision greeter-00002 failed: pod greeter-00002-\w+: import failed: Error: cannot start: missing DATABASE_URL/);
    expect(status.stderr).toMatch(/the previous revision greeter-00001 still serves function default\/greeter/);
    expect((await call('/fn/default/greeter')).text).toBe('v1, world!\n');
  }, 180_000);

  it('says that nothing serves a function whose first revision cannot start', async () => {
    const broken = await runCli(['deploy', BROKEN, '--name', 'broken', ...WAIT], { server: tide.url, timeoutMs: CLI_TIMEOUT_MS });
    expect(broken.code, broken.stderr).toBe(1);
    expect(broken.stderr).not.toMatch(/within 120s/);
    expect(broken.stderr).toMatch(/revision broken-00001 failed: pod broken-00001-\w+: import failed: Error: cannot start: missing DATABASE_URL/);
    expect(broken.stderr).toMatch(/nothing serves function default\/broken: it has no earlier revision/);
  }, 180_000);
});
