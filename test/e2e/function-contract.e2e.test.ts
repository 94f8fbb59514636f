import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot, runCli, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

/**
 * The Workers contract through `tide up`: an unchanged hono app sees the caller's URL and its
 * redirects land back on it under /fn; a module with no handler fails `tide deploy` at once, named.
 */
const HONO_APP = join(repoRoot, 'test/fixtures/functions/hono-redirect');
const NO_HANDLER = join(repoRoot, 'test/fixtures/functions/no-handler');
const WAIT = ['--wait', '120'];
const CLI_TIMEOUT_MS = 150_000;

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;

beforeAll(async () => {
  dir = await makeTempDir('tide-contract-');
  tide = await startTide({ dataDir: dir.path, port: await freePort() });
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

const get = async (path: string) => {
  const res = await request(`${tide.url}${path}`);
  return { status: res.statusCode, location: res.headers.location, text: await res.body.text() };
};

describe('a hono app deployed unchanged', () => {
  it('routes on the path after /fn/<ns>/<name>, sees the URL the caller used, and redirects back to itself', async () => {
    const deployed = await runCli(['deploy', HONO_APP, '--name', 'app', ...WAIT], { server: tide.url, timeoutMs: CLI_TIMEOUT_MS });
    expect(deployed.code, deployed.stderr).toBe(0);

    const where = await get('/fn/default/app/where?q=1');
    expect(where.status, where.text).toBe(200);
    expect(JSON.parse(where.text)).toEqual({ url: `${tide.url}/where?q=1`, path: '/where', origin: tide.url });

    const old = await get('/fn/default/app/old');
    expect([old.status, old.location]).toEqual([302, '/fn/default/app/where?from=old']);
    const moved = await get('/fn/default/app/moved');
    expect([moved.status, moved.location]).toEqual([301, `${tide.url}/fn/default/app/where?from=moved`]);

    const followed = await get(old.location as string);
    expect(followed.status).toBe(200);
    expect(JSON.parse(followed.text).url).toBe(`${tide.url}/where?from=old`);
  }, 180_000);
});

describe('a module with no fetch, scheduled or queue handler', () => {
  it('fails tide deploy at once, naming what the module lacks', async () => {
    const deployed = await runCli(['deploy', NO_HANDLER, '--name', 'nothing', ...WAIT], { server: tide.url, timeoutMs: CLI_TIMEOUT_MS });
    expect(deployed.code, deployed.stderr).toBe(1);
    expect(deployed.stderr).not.toMatch(/within 120s/);
    expect(deployed.stderr).toMatch(/revision nothing-00001 failed: pod nothing-00001-\w+: import failed: module has no fetch, scheduled or queue handler/);
  }, 180_000);
});
