import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTide, startTideCommand, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * Key rotation across restarts of `tide up`: sealed with key A; restarted with B and A as the
 * previous key, pods still get the values, and reencrypt seals them with B; restarted with B alone,
 * they still do. Started with a key that opens none of them, it says so and pods wait, naming why.
 */
const ECHO_ENV = 'export default { fetch(request, env) { return new Response(String(env.GREETING)); } };';
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('hex');

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let port: number;
let tide: StartedTide | undefined;

const start = (env: Record<string, string>) => startTide({ dataDir: dir.path, port, env });
async function api(method: string, path: string, body?: unknown) {
  const res = await request(`${tide!.url}/apis/tide.dev/v1${path}`, {
    method: method as 'GET',
    headers: { ...tide!.headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.statusCode, text: await res.body.text() };
}
/** What a fresh pod of the function is given: each restart makes new pods. */
const greeting = () =>
  eventually(
    async () => {
      const res = await request(`${tide!.url}/fn/default/greeter`);
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${text}`);
      return text;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );

beforeAll(async () => {
  dir = await makeTempDir('tide-secret-rotation-');
  port = await freePort();
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('rotating the secret key', () => {
  it('keeps secrets readable through a rotation, and says when no key it has opens them', async () => {
    tide = await start({ TIDE_SECRET_KEY: keyA });
    expect(existsSync(join(dir.path, 'secret.key'))).toBe(false);
    expect(
      (
        await api('PUT', '/namespaces/default/secrets/greeting', {
          apiVersion: 'tide.dev/v1',
          kind: 'Secret',
          metadata: { name: 'greeting' },
          data: { GREETING: 'ahoy' },
        })
      ).status,
    ).toBe(201);
    const upload = await request(`${tide.url}/apis/tide.dev/v1/artifacts`, { method: 'POST', headers: tide.headers, body: ECHO_ENV });
    const { digest } = (await upload.body.json()) as { digest: string };
    const fn = {
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name: 'greeter' },
      spec: { source: { artifact: digest }, envFrom: [{ secretRef: 'greeting' }] },
    };
    expect((await api('PUT', '/namespaces/default/functions/greeter', fn)).status).toBe(201);
    expect(await greeting()).toBe('ahoy');

    await stopTide(tide);
    tide = await start({ TIDE_SECRET_KEY: keyB, TIDE_SECRET_KEY_PREVIOUS: keyA });
    expect(await greeting()).toBe('ahoy');
    const resealed = await api('POST', '/secrets/reencrypt');
    expect(resealed.status).toBe(200);
    expect(JSON.parse(resealed.text)).toMatchObject({ resealed: ['default/greeting'], failed: [] });

    await stopTide(tide);
    tide = await start({ TIDE_SECRET_KEY: keyB });
    expect(tide.output()).not.toContain('does not have');
    expect(await greeting()).toBe('ahoy');

    // A key that opens nothing: the start says which secrets, and a new pod waits naming why.
    await stopTide(tide);
    tide = await start({ TIDE_SECRET_KEY: keyA });
    expect(tide.output()).toMatch(/warning: 1 secret\(s\) are sealed with key [0-9a-f]{16}, which this control plane does not have: default\/greeting/);
    const reason = await eventually(
      async () => {
        const pods = JSON.parse((await api('GET', '/namespaces/default/pods')).text) as { items: { status: { reason?: string } }[] };
        const found = pods.items.map((p) => p.status.reason ?? '').find((r) => r.startsWith('CreateContainerConfigError'));
        if (!found) throw new Error('no pod says why yet');
        return found;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(reason).toContain('cannot be opened');
  }, 180_000);

  it('refuses to start with a key that is not 32 bytes, naming the variable', async () => {
    await stopTide(tide);
    tide = undefined;
    await expect(
      startTideCommand({ args: ['up', '--port', String(port), '--data', dir.path], env: { TIDE_SECRET_KEY: 'short' }, ready: /Tide is up at/ }),
    ).rejects.toThrow(/TIDE_SECRET_KEY is not a secret key: give 32 random bytes/);
  }, 60_000);
});
