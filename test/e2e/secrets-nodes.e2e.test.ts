import { createHash, randomBytes } from 'node:crypto';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * Secrets on node processes of their own (`tide up --nodes 2`): each node asks the control plane
 * over HTTP, with the credential it got by joining, for the values of its own pods' secrets.
 */
const READER = `export default { async fetch(request, env) {
  const sha = async (value) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value ?? '')))].map((b) => b.toString(16).padStart(2, '0')).join('');
  return new Response(await sha(env.PASSWORD) + ' ' + await sha(env.DB_PASS));
} };`;

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide | undefined;

beforeAll(async () => {
  dir = await makeTempDir('tide-secrets-nodes-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--nodes', '2', '--warm-pool', '0'] });
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('secrets on separate node processes', () => {
  it("reach every pod of a function, whichever node it runs on, and appear in none of the nodes' output", async () => {
    const value = randomBytes(20).toString('hex');
    const created = await runCli(['create', 'secret', 'db', '--from-literal', `PASSWORD=${value}`], { server: tide!.url });
    expect(created.code, created.stderr).toBe(0);
    const upload = await request(`${tide!.url}/apis/tide.dev/v1/artifacts`, { method: 'POST', headers: tide!.headers, body: READER });
    const { digest } = (await upload.body.json()) as { digest: string };
    const manifest = {
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name: 'reader' },
      spec: {
        source: { artifact: digest },
        // Every key of db (PASSWORD), and its PASSWORD once more under another name.
        envFrom: [{ secretRef: 'db' }],
        env: { DB_PASS: { valueFrom: { secretKeyRef: { name: 'db', key: 'PASSWORD' } } } },
        scale: { min: 2, max: 2 },
      },
    };
    const put = await request(`${tide!.url}/apis/tide.dev/v1/namespaces/default/functions/reader`, {
      method: 'PUT',
      headers: { ...tide!.headers, 'content-type': 'application/json' },
      body: JSON.stringify(manifest),
    });
    expect(put.statusCode).toBe(201);
    const pods = await eventually(
      async () => {
        const res = await request(`${tide!.url}/apis/tide.dev/v1/namespaces/default/pods?labelSelector=tide.dev/function%3Dreader`, { headers: tide!.headers });
        const list = (await res.body.json()) as { items: { spec: { node?: string }; status: { phase: string } }[] };
        const ready = list.items.filter((p) => p.status.phase === 'Ready');
        if (ready.length < 2) throw new Error(`ready pods: ${ready.length}`);
        return ready;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(new Set(pods.map((p) => p.spec.node)).size).toBe(2);
    const expected = createHash('sha256').update(value).digest('hex');
    for (let i = 0; i < 10; i++) {
      const res = await request(`${tide!.url}/fn/default/reader`);
      expect(await res.body.text()).toBe(`${expected} ${expected}`);
    }
    expect(tide!.output()).not.toContain(value);
  }, 120_000);
});
