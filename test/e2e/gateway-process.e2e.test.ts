import { readFileSync } from 'node:fs';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTide, startTideCommand, stopTide, type TideProcess } from '../support/tide-process.js';
import { componentToken } from '../support/component-tokens.js';

/** A separate `tide gateway --server` follows the control plane's log with a gateway token (TIDE_TOKEN). */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;

const APP = "export default { fetch: () => new Response('through a second gateway') };";

beforeAll(async () => {
  dir = await makeTempDir('tide-gateway-process-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--warm-pool', '0'] });
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('tide gateway --server', () => {
  it('with a gateway token routes to the functions the control plane knows, and reports load', async () => {
    const admin = { authorization: `Bearer ${readFileSync(`${dir.path}/admin.token`, 'utf8').trim()}` };
    const upload = await request(`${tide.url}/apis/tide.dev/v1/artifacts`, { method: 'POST', body: APP, headers: admin });
    const { digest } = (await upload.body.json()) as { digest: string };
    const applied = await request(`${tide.url}/apis/tide.dev/v1/namespaces/default/functions/second`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: 'second' }, spec: { source: { artifact: digest } } }),
    });
    expect(applied.statusCode, await applied.body.text()).toBeLessThan(300);
    const port = await freePort();
    const gateway = await startTideCommand({
      args: ['gateway', '--server', tide.url, '--port', String(port)],
      env: { TIDE_TOKEN: await componentToken(tide.url, dir.path, 'gateway') },
      ready: /gateway is up at/,
    });
    try {
      await eventually(
        async () => {
          const res = await request(`http://127.0.0.1:${port}/fn/default/second`, { headersTimeout: 30_000 });
          expect([res.statusCode, await res.body.text()]).toEqual([200, 'through a second gateway']);
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      // Its load reports reach the log (tide.metrics is a topic a gateway may append to): no error said.
      // A status said as a word: a timestamp of the output (…25.401Z) is not one.
      expect(gateway.output()).not.toMatch(/\b40[13]\b/);
    } finally {
      await stopTide(gateway);
    }
  }, 90_000);

  it('without a token, or with a node bootstrap token, is refused by the log API and says so', async () => {
    const none = await startTideCommand({ args: ['gateway', '--server', tide.url, '--port', String(await freePort())], ready: /never/ }).catch(
      (error: Error) => error,
    );
    expect(String(none)).toMatch(/401/);
    const bootstrap = readFileSync(`${dir.path}/bootstrap.token`, 'utf8').trim();
    const wrongKind = await startTideCommand({
      args: ['gateway', '--server', tide.url, '--port', String(await freePort())],
      env: { TIDE_TOKEN: bootstrap },
      ready: /never/,
    }).catch((error: Error) => error);
    expect(String(wrongKind)).toMatch(/403/);
  }, 60_000);
});
