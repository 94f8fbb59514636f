import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { makeTempDir } from '@tide/testkit/testing';
import { freePort, startTide, startTideCommand, stopTide, type TideProcess } from '../support/tide-process.js';
import { componentToken } from '../support/component-tokens.js';

/** `tide up` runs a triggers process inside itself; `tide triggers` runs another beside it. */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;

beforeAll(async () => {
  dir = await makeTempDir('tide-triggers-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--warm-pool', '0'] });
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('the triggers process', () => {
  it('is started by tide up, after its gateway, delivering through it', () => {
    expect(tide.output()).toMatch(new RegExp(`triggers started: engines .*, delivering through ${tide.url.replace(/\./g, '\\.')}`));
  });

  it('runs beside tide up as `tide triggers --server` with a triggers token, serves health and metrics, and stops on SIGTERM', async () => {
    const port = await freePort();
    // The log API is for Tide's components: a separate triggers process holds a token of kind triggers.
    const token = await componentToken(tide.url, dir.path, 'triggers');
    const triggers = await startTideCommand({
      args: ['triggers', '--server', tide.url, '--port', String(port)],
      env: { TIDE_TOKEN: token },
      ready: /triggers is up at/,
    });
    try {
      expect(triggers.output()).toMatch(`triggers is up at http://127.0.0.1:${port}: engines`);
      expect(triggers.output()).toMatch(`following ${tide.url}, delivering through ${tide.url}`);
      const health = await request(`http://127.0.0.1:${port}/healthz`);
      expect(health.statusCode).toBe(200);
      expect(await health.body.json()).toEqual({ status: 'ok' });
      const metrics = await request(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.statusCode).toBe(200);
      expect(await metrics.body.text()).toMatch(/service_name="tide-triggers"/);
    } finally {
      triggers.child.kill('SIGTERM');
    }
    expect(await triggers.exited).toEqual({ code: 0, signal: null });
    expect(triggers.output()).toMatch(/SIGTERM: stopping triggers/);
  });

  it('without a token is refused by the log API, and says so', async () => {
    const triggers = await startTideCommand({ args: ['triggers', '--server', tide.url, '--port', String(await freePort())], ready: /never/ }).catch(
      (error: Error) => error,
    );
    expect(String(triggers)).toMatch(/401/);
  });

  it('refuses a --gateway that is not an http(s) URL, as a usage error', async () => {
    const triggers = await startTideCommand({ args: ['triggers', '--server', tide.url, '--gateway', 'ftp://x'], ready: /never/ }).catch(
      (error: Error) => error,
    );
    expect(String(triggers)).toMatch(/--gateway "ftp:\/\/x": must be an http\(s\) URL/);
  });
});
