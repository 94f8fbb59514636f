import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlPlane, type RunningControlPlane } from '../start-control-plane.js';

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let controlPlane: RunningControlPlane | undefined;
afterEach(async () => {
  await controlPlane?.stop();
  controlPlane = undefined;
  await dir?.remove();
});

const start = (lines: string[], extra: { adminToken?: string } = {}) =>
  startControlPlane({
    log: { source: { kind: 'embedded', dataDir: dir.path } },
    dataDir: dir.path,
    listen: { port: 0, host: '127.0.0.1' },
    nodeGraceSeconds: 30,
    metrics: { handle: (_req, res) => res.end('tide_up 1\n') },
    report: (line) => lines.push(line),
    ...extra,
  });
const get = async (url: string, token?: string) => {
  const res = await request(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.statusCode, body: await res.body.text() };
};

describe('first start of a control plane', () => {
  it('makes an admin and a bootstrap token into 0600 files, names the file and never the token, and turns authentication on', async () => {
    dir = await makeTempDir();
    const lines: string[] = [];
    controlPlane = await start(lines);
    const { adminToken, bootstrapToken, url } = controlPlane;
    expect(adminToken).toMatch(/^tide_admin_[0-9a-f]{64}$/);
    expect(bootstrapToken).toMatch(/^tide_bootstrap_[0-9a-f]{64}$/);
    for (const [file, token] of [
      ['admin.token', adminToken],
      ['bootstrap.token', bootstrapToken],
    ] as const) {
      expect((await stat(join(dir.path, file))).mode & 0o777, file).toBe(0o600);
      expect((await readFile(join(dir.path, file), 'utf8')).trim()).toBe(token);
    }
    expect(lines.join('\n')).toContain(join(dir.path, 'admin.token'));
    expect(lines.join('\n')).not.toContain(adminToken!.slice(-64));
    expect((await get(`${url}/apis/tide.dev/v1/namespaces`)).status).toBe(401);
    const me = await get(`${url}/apis/tide.dev/v1/whoami`, adminToken);
    expect(JSON.parse(me.body)).toEqual({ kind: 'user', name: 'admin', roles: [{ role: 'admin', namespaces: ['*'] }] });
    // /metrics: a cluster admin's token, not the bootstrap token, not none.
    expect((await get(`${url}/metrics`)).status).toBe(401);
    expect((await get(`${url}/metrics`, bootstrapToken)).status).toBe(403);
    expect(await get(`${url}/metrics`, adminToken)).toEqual({ status: 200, body: 'tide_up 1\n' });
  });

  it('takes the admin token an operator gives, and finds the same tokens again after a restart', async () => {
    dir = await makeTempDir();
    const given = `tide_admin_${'ab'.repeat(32)}`;
    controlPlane = await start([], { adminToken: given });
    expect(controlPlane.adminToken).toBe(given);
    const bootstrap = controlPlane.bootstrapToken;
    await controlPlane.stop();
    const lines: string[] = [];
    controlPlane = await start(lines);
    expect([controlPlane.adminToken, controlPlane.bootstrapToken]).toEqual([given, bootstrap]);
    expect(lines.join('\n')).not.toContain('created');
    expect(lines.join('\n')).not.toContain(given.slice(-64));
    expect((await get(`${controlPlane.url}/apis/tide.dev/v1/namespaces`, given)).status).toBe(200);
    await expect(start([], { adminToken: 'tide_admin_short' })).rejects.toThrow(/TIDE_ADMIN_TOKEN/);
  });
});
