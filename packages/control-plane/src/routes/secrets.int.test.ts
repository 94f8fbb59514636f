import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { secretKeyOf, type TokenSubject } from '@tide/core';
import { API, authHarness, type AuthHarness } from '../auth/auth.fixture.js';
import { createControlPlaneApp } from '../app.js';
import { podSecretEnv } from '../core/secret-view.js';

let h: AuthHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const userIn = (role: 'admin' | 'developer' | 'viewer', ns: string): TokenSubject => ({ kind: 'user', roles: [{ role, namespaces: [ns] }] });
const manifest = (data: Record<string, string>, name = 'db') => ({ apiVersion: 'tide.dev/v1', kind: 'Secret', metadata: { name }, data });
const put = (token: string, body: unknown, path = `${API}/namespaces/a/secrets/db`) =>
  h!.request(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });

describe('the secrets API', () => {
  it('seals on write and shows key names and sizes only, never a value or ciphertext', async () => {
    h = await authHarness({ namespaces: ['a', 'b'] });
    const dev = await h.mint('dev', userIn('developer', 'a'));
    const marker = randomBytes(16).toString('hex');
    const created = await put(dev, manifest({ PASSWORD: marker, USER: 'app' }));
    expect(created.status).toBe(201);
    const texts = [await created.text()];
    for (const path of [`${API}/namespaces/a/secrets/db`, `${API}/namespaces/a/secrets`]) {
      const res = await h.request(path, { token: dev });
      expect(res.status).toBe(200);
      texts.push(await res.text());
    }
    expect(JSON.parse(texts[1]!)).toMatchObject({ kind: 'Secret', type: 'Opaque', keys: { PASSWORD: 32, USER: 3 } });
    expect(JSON.parse(texts[2]!).items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual(['db']);
    const sealed = h.store.state().secrets.get('a/db')!.data.PASSWORD!;
    for (const text of texts) {
      expect(text).not.toContain(marker);
      expect(text).not.toContain(sealed.ciphertext);
      expect(text).not.toContain('ciphertext');
    }
    // Nor in the log, in any form.
    const log = JSON.stringify([...h.log.records('tide.state')].map((r) => Buffer.from(r.value).toString('utf8')));
    for (const form of [marker, Buffer.from(marker).toString('base64'), Buffer.from(marker).toString('hex')]) expect(log).not.toContain(form);
  });

  it('keeps secrets from viewers and from other namespaces', async () => {
    h = await authHarness({ namespaces: ['a', 'b'] });
    const admin = await h.mint('admin', userIn('admin', 'a'));
    expect((await put(admin, manifest({ K: 'v' }))).status).toBe(201);
    const viewer = await h.mint('viewer', userIn('viewer', 'a'));
    const other = await h.mint('other', userIn('developer', 'b'));
    expect((await h.request(`${API}/namespaces/a/secrets/db`, { token: viewer })).status).toBe(403);
    expect((await h.request(`${API}/namespaces/a/secrets`, { token: viewer })).status).toBe(403);
    expect((await h.request(`${API}/namespaces/a/secrets/db`, { token: other })).status).toBe(404);
    expect((await h.request(`${API}/namespaces/a/pods/p/secret-env`, { token: admin })).status).toBe(403);
  });

  it('refuses bad keys and oversized values, naming the field', async () => {
    h = await authHarness({ namespaces: ['a'] });
    const admin = await h.mint('admin', userIn('admin', 'a'));
    const bad = await put(admin, manifest({ 'not-an-env': 'v' }));
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('data.not-an-env');
    const big = await put(admin, manifest({ A: 'x'.repeat(40_000), B: 'y'.repeat(40_000) }));
    expect(big.status).toBe(422);
    expect(await big.text()).toContain('at most 65536 bytes');
    expect(h.store.state().secrets.size).toBe(0);
  });

  it('re-seals what an older key sealed with the current one (rotation), and opens both meanwhile', async () => {
    h = await authHarness({ namespaces: ['a'] });
    const admin = await h.mint('root', { kind: 'user', roles: [{ role: 'admin', namespaces: ['*'] }] });
    expect((await put(admin, manifest({ K: 'value-1' }))).status).toBe(201);
    const old = h.deps.sealer.keyring.current;
    const fresh = secretKeyOf(new Uint8Array(randomBytes(32)));
    const rotated = createControlPlaneApp(
      { ...h.deps, sealer: { keyring: { current: fresh, previous: [old] }, nonce: () => new Uint8Array(randomBytes(12)) } },
      { authentication: {} },
    );
    const res = await rotated.request(`${API}/secrets/reencrypt`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keyId: fresh.id, resealed: ['a/db'], failed: [] });
    const secret = h.store.state().secrets.get('a/db')!;
    expect(secret.data.K!.keyId).toBe(fresh.id);
    const pod = { metadata: { namespace: 'a', name: 'p' }, spec: { envFrom: [{ secretRef: 'db' }] } } as never;
    expect(podSecretEnv(h.store.state(), { current: fresh, previous: [] }, pod)).toEqual({ outcome: 'ok', env: { K: 'value-1' } });
    // The old key alone no longer opens it, and says so rather than answer garbage.
    expect(podSecretEnv(h.store.state(), { current: old, previous: [] }, pod)).toMatchObject({
      outcome: 'unopenable',
      reason: expect.stringContaining(`sealed with key ${fresh.id}, which this control plane does not have`),
    });
  });
});
