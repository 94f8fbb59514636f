import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTokenIn, startJoiningNode } from '../support/component-tokens.js';
import { freePort, startTide, stopTide, type TideProcess } from '../support/tide-process.js';

/**
 * A node joins as a kubelet does after `kubeadm join`: once, with the cluster's bootstrap token,
 * for a credential of its own kept in `<data>/node.token` (0600), which it then uses alone.
 */
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let tide: TideProcess;
let admin: string;

const nodeList = async () => {
  const res = await request(`${tide.url}/apis/tide.dev/v1/nodes`, { headers: { authorization: `Bearer ${admin}` } });
  const body = (await res.body.json()) as { items: { metadata: { name: string }; status: { ready: boolean; bootId?: string } }[] };
  return body.items;
};
const readyNodes = async () =>
  (await nodeList())
    .filter((n) => n.status.ready)
    .map((n) => n.metadata.name)
    .sort();

/** What the log API answers a request made with `token`. */
const logAnswer = async (token: string) =>
  (await request(`${tide.url}/apis/tide.dev/v1/log/tide.state/end`, { headers: { authorization: `Bearer ${token}` } })).statusCode;

beforeAll(async () => {
  dir = await makeTempDir('tide-node-join-');
  tide = await startTide({ dataDir: dir.path, port: await freePort(), args: ['--nodes', '0'] });
  admin = (await readFile(join(dir.path, 'admin.token'), 'utf8')).trim();
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
});

describe('tide node joining', () => {
  it('joins with the bootstrap token, keeps its own credential (0600), and comes back with that alone', async () => {
    const data = join(dir.path, 'n1');
    const first = await startJoiningNode({
      server: tide.url,
      name: 'n1',
      dataDir: data,
      bootstrapToken: bootstrapTokenIn(dir.path),
      args: ['--warm-pool', '0'],
    });
    try {
      expect(first.output()).toMatch(/node n1 joined the cluster; its credential is in .*node\.token/);
      await eventually(async () => expect(await readyNodes()).toEqual(['n1']), { timeoutMs: 20_000, intervalMs: 100 });
    } finally {
      await stopTide(first);
    }
    const file = join(data, 'node.token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const credential = (await readFile(file, 'utf8')).trim();
    expect(credential).toMatch(/^tide_node-n1_[0-9a-f]{64}$/);
    expect(await logAnswer(credential)).toBe(200);

    // No bootstrap token this time: the kept credential is all it needs.
    const again = await startJoiningNode({ server: tide.url, name: 'n1', dataDir: data, args: ['--warm-pool', '0'] });
    try {
      expect(again.output()).not.toMatch(/joined the cluster/);
      await eventually(async () => expect(await readyNodes()).toEqual(['n1']), { timeoutMs: 20_000, intervalMs: 100 });
    } finally {
      await stopTide(again);
    }
  }, 90_000);

  it('a node joining again under the same name (its data lost) revokes the credential it had', async () => {
    const old = (await readFile(join(dir.path, 'n1', 'node.token'), 'utf8')).trim();
    const fresh = await startJoiningNode({
      server: tide.url,
      name: 'n1',
      dataDir: join(dir.path, 'n1-again'),
      bootstrapToken: bootstrapTokenIn(dir.path),
      args: ['--warm-pool', '0'],
    });
    try {
      expect(fresh.output()).toMatch(/node n1 joined the cluster/);
      expect(await logAnswer(old)).toBe(401);
      expect(await logAnswer((await readFile(join(dir.path, 'n1-again', 'node.token'), 'utf8')).trim())).toBe(200);
    } finally {
      await stopTide(fresh);
    }
  }, 60_000);

  it('the bootstrap token itself reads nothing: it only joins', async () => {
    expect(await logAnswer(bootstrapTokenIn(dir.path))).toBe(403);
  });
});
