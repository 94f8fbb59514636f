import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { secretKeyOf, type EventInput, type TokenSubject } from '@tide/core';
import { functionManifest } from '@tide/core/testing';
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

  it('lists across namespaces only the secrets the token may list (kubectl get -A), names and sizes only', async () => {
    h = await authHarness({ namespaces: ['a', 'b'] });
    const adminA = await h.mint('admin-a', userIn('admin', 'a'));
    const adminB = await h.mint('admin-b', userIn('admin', 'b'));
    const marker = randomBytes(16).toString('hex');
    expect((await put(adminA, manifest({ K: marker }))).status).toBe(201);
    expect((await put(adminB, manifest({ K: 'v' }, 'cache'), `${API}/namespaces/b/secrets/cache`)).status).toBe(201);
    const names = async (token: string) => {
      const res = await h!.request(`${API}/secrets`, { token });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(marker);
      return (JSON.parse(text).items as { metadata: { namespace: string; name: string } }[]).map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
    };
    expect(await names(await h.mint('everywhere', { kind: 'user', roles: [{ role: 'admin', namespaces: ['*'] }] }))).toEqual(['a/db', 'b/cache']);
    expect(await names(await h.mint('dev-b', userIn('developer', 'b')))).toEqual(['b/cache']);
    expect(await names(await h.mint('viewer-a', userIn('viewer', 'a')))).toEqual([]);
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

  it("opens a pod's secrets for the node it is bound to, and for no other node (NodeRestriction)", async () => {
    h = await authHarness({ namespaces: ['a'] });
    const admin = await h.mint('admin', userIn('admin', 'a'));
    expect((await put(admin, manifest({ PASSWORD: 'hunter2' }))).status).toBe(201);
    const node = (name: string): EventInput => ({
      type: 'NodeRegistered',
      data: { name, bootId: `${name}-1`, address: '127.0.0.1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 } },
    });
    const manifestOf = functionManifest('f', { envFrom: [{ secretRef: 'db' }, { secretRef: 'later' }] });
    const given = await h.store.append([
      node('n1'),
      node('n2'),
      { type: 'FunctionApplied', data: { namespace: 'a', manifest: manifestOf } },
      { type: 'PodCreated', data: { namespace: 'a', name: 'p', revision: 'f-00001' } },
      { type: 'PodBound', data: { namespace: 'a', name: 'p', node: 'n1' } },
    ]);
    expect(given.filter((r) => !r.verdict.accepted)).toEqual([]);
    const n1 = await h.mint('node-n1', { kind: 'node', node: 'n1' });
    const n2 = await h.mint('node-n2', { kind: 'node', node: 'n2' });
    const path = `${API}/namespaces/a/pods/p/secret-env`;
    expect((await h.request(path, { token: n2 })).status).toBe(404);
    const missing = await h.request(path, { token: n1 });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('secret \\"later\\" not found');
    expect((await put(admin, manifest({ LATER: 'soon' }, 'later'), `${API}/namespaces/a/secrets/later`)).status).toBe(201);
    const opened = await h.request(path, { token: n1 });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('cache-control')).toBe('no-store');
    expect(await opened.json()).toEqual({ env: { PASSWORD: 'hunter2', LATER: 'soon' } });
  });

  it("opens one key of a secret under the variable's own name (secretKeyRef), over envFrom, leaving out an optional one that is absent", async () => {
    h = await authHarness({ namespaces: ['a'] });
    const admin = await h.mint('admin', userIn('admin', 'a'));
    expect((await put(admin, manifest({ PASSWORD: 'hunter2', USER: 'app' }))).status).toBe(201);
    expect((await put(admin, manifest({ TOKEN: 'from-envFrom', DB_PASS: 'from-envFrom' }, 'bulk'), `${API}/namespaces/a/secrets/bulk`)).status).toBe(201);
    const ref = (name: string, key: string, optional?: true) => ({ valueFrom: { secretKeyRef: { name, key, ...(optional ? { optional } : {}) } } });
    const env = { PLAIN: 'plain', DB_PASS: ref('db', 'PASSWORD'), MAYBE: ref('db', 'NOPE', true), GONE: ref('nosuch', 'X', true), LATE: ref('db', 'LATER') };
    const given = await h.store.append([
      { type: 'NodeRegistered', data: { name: 'n1', bootId: 'n1-1', address: '127.0.0.1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 } } },
      { type: 'FunctionApplied', data: { namespace: 'a', manifest: functionManifest('f', { env, envFrom: [{ secretRef: 'bulk' }] }) } },
      { type: 'PodCreated', data: { namespace: 'a', name: 'p', revision: 'f-00001' } },
      { type: 'PodBound', data: { namespace: 'a', name: 'p', node: 'n1' } },
    ]);
    expect(given.filter((r) => !r.verdict.accepted)).toEqual([]);
    const n1 = await h.mint('node-n1', { kind: 'node', node: 'n1' });
    const path = `${API}/namespaces/a/pods/p/secret-env`;
    const missing = await h.request(path, { token: n1 });
    expect(missing.status).toBe(404);
    expect(JSON.parse(await missing.text()).message).toBe("couldn't find key LATER in Secret a/db");
    expect((await put(admin, manifest({ PASSWORD: 'hunter2', USER: 'app', LATER: 'soon' }))).status).toBe(200);
    const opened = await h.request(path, { token: n1 });
    expect(opened.status).toBe(200);
    // The plain PLAIN is the node's to add (under it all); USER, not named, is not opened.
    expect(await opened.json()).toEqual({ env: { TOKEN: 'from-envFrom', DB_PASS: 'hunter2', LATE: 'soon' } });
  });

  it('refuses a secretKeyRef with a namespace or a bad name at apply, naming the field; a viewer sees the refs but no plain value', async () => {
    h = await authHarness({ namespaces: ['a'] });
    const admin = await h.mint('admin', userIn('admin', 'a'));
    const upload = await h.request(`${API}/artifacts?namespace=a`, {
      method: 'POST',
      body: 'export default { fetch() { return new Response("ok") } }',
      headers: { 'content-type': 'application/javascript' },
      token: admin,
    });
    const { digest } = (await upload.json()) as { digest: string };
    expect(upload.status, digest).toBe(201);
    const apply = (env: unknown) =>
      h!.request(`${API}/namespaces/a/functions/f`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: 'f' }, spec: { source: { artifact: digest }, env } }),
        token: admin,
      });
    const elsewhere = await apply({ X: { valueFrom: { secretKeyRef: { name: 'db', key: 'K', namespace: 'b' } } } });
    expect(elsewhere.status).toBe(422);
    expect(JSON.parse(await elsewhere.text()).details.causes).toEqual([
      { field: 'spec.env.X.valueFrom.secretKeyRef', message: "takes no namespace: a function's secrets are those of its own namespace" },
    ]);
    const badName = await apply({ X: { valueFrom: { secretKeyRef: { name: 'b/db', key: 'K' } } } });
    expect(badName.status).toBe(422);
    expect(await badName.text()).toContain('spec.env.X.valueFrom.secretKeyRef.name: must be lowercase letters');
    expect(h.store.state().functions.size).toBe(0);

    const ref = { valueFrom: { secretKeyRef: { name: 'db', key: 'PASSWORD' } } };
    expect((await apply({ PLAIN: 'not for viewers', DB_PASS: ref })).status).toBe(201);
    const viewer = await h.mint('viewer', userIn('viewer', 'a'));
    const shown = (await (await h.request(`${API}/namespaces/a/functions/f`, { token: viewer })).json()) as { spec: { env: unknown } };
    expect(shown.spec.env).toEqual({ PLAIN: '(redacted)', DB_PASS: ref });
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
    const pod = { metadata: { namespace: 'a', name: 'p' }, spec: { env: {}, envFrom: [{ secretRef: 'db' }] } } as never;
    expect(podSecretEnv(h.store.state(), { current: fresh, previous: [] }, pod)).toEqual({ outcome: 'ok', env: { K: 'value-1' } });
    // The old key alone no longer opens it, and says so rather than answer garbage.
    expect(podSecretEnv(h.store.state(), { current: old, previous: [] }, pod)).toMatchObject({
      outcome: 'unopenable',
      reason: expect.stringContaining(`sealed with key ${fresh.id}, which this control plane does not have`),
    });
  });
});
