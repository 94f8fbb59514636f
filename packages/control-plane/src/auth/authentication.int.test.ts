import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore, type TokenSubject } from '@tide/core';
import { createControlPlaneApp } from '../app.js';
import { API, authHarness, type AuthHarness } from './auth.fixture.js';

let h: AuthHarness;
afterEach(async () => {
  await h?.close();
});

const admin: TokenSubject = { kind: 'user', roles: [{ role: 'admin', namespaces: ['*'] }] };
const tokenManifest = (name: string, subject: unknown) => ({ apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name }, spec: { subject } });
const post = (body: unknown, token: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });

describe('authentication of the API', () => {
  it('answers 401 with WWW-Authenticate without a token, and serves the probes and /openapi.json to anyone', async () => {
    h = await authHarness();
    const res = await h.request(`${API}/namespaces/default/functions`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await res.json()) as { reason: string }).reason).toBe('Unauthorized');
    for (const path of ['/healthz', '/readyz', '/openapi.json']) expect((await h.request(path)).status, path).toBe(200);
    expect((await h.request(`${API}/whoami`, { token: 'Basic abc' })).status).toBe(401);
  });

  it('creates a token shown once, lists it without hash, knows who it is, and refuses token creation to a namespace admin', async () => {
    h = await authHarness({ namespaces: ['default', 'a'] });
    const root = await h.mint('root', admin);
    const created = await h.request(`${API}/tokens`, post(tokenManifest('dev', { kind: 'user', roles: [{ role: 'developer', namespaces: ['a'] }] }), root));
    expect(created.status).toBe(201);
    const { token, object } = (await created.json()) as { token: string; object: Record<string, unknown> };
    expect(token).toMatch(/^tide_dev_[0-9a-f]{64}$/);
    expect(object).not.toHaveProperty('secretHash');
    const listed = await (await h.request(`${API}/tokens`, { token: root })).text();
    expect(listed).toContain('"dev"');
    expect(listed).not.toMatch(/secretHash|[0-9a-f]{64}/);
    const me = (await (await h.request(`${API}/whoami`, { token })).json()) as Record<string, unknown>;
    expect(me).toEqual({ kind: 'user', name: 'dev', roles: [{ role: 'developer', namespaces: ['a'] }] });
    const nsAdmin = await h.mint('ns-admin', { kind: 'user', roles: [{ role: 'admin', namespaces: ['a'] }] });
    const refused = await h.request(`${API}/tokens`, post(tokenManifest('more', admin), nsAdmin));
    expect(refused.status).toBe(403);
    expect((await h.request(`${API}/tokens/more`, { token: root })).status).toBe(404);
  });

  it('hides a namespace the token has no role in (404), and lists cluster-wide only what it may see', async () => {
    h = await authHarness({ namespaces: ['default', 'a', 'b'] });
    const dev = await h.mint('dev', { kind: 'user', roles: [{ role: 'developer', namespaces: ['a'] }] });
    const inB = await h.request(`${API}/namespaces/b/functions`, { token: dev });
    expect(inB.status).toBe(404);
    const missing = await h.request(`${API}/namespaces/nope/functions`, { token: dev });
    expect([missing.status, await missing.text()]).toEqual([
      404,
      (await (await h.request(`${API}/namespaces/b/functions`, { token: dev })).text()).replaceAll('b', 'nope'),
    ]);
    expect((await h.request(`${API}/namespaces/a/functions`, { token: dev })).status).toBe(200);
    const namespaces = (await (await h.request(`${API}/namespaces`, { token: dev })).json()) as { items: { metadata: { name: string } }[] };
    expect(namespaces.items.map((n) => n.metadata.name)).toEqual(['a']);
    expect((await h.request(`${API}/nodes`, { token: dev })).status).toBe(403);
  });

  it('refuses a revoked token on the next request, on this control plane and on another folding the same log', async () => {
    h = await authHarness();
    const root = await h.mint('root', admin);
    const victim = await h.mint('victim', { kind: 'user', roles: [{ role: 'viewer', namespaces: ['default'] }] });
    const other = await openStateStore({ log: h.log });
    try {
      const otherApp = createControlPlaneApp({ ...h.deps, store: other }, { authentication: {} });
      const ask = (app: typeof otherApp) =>
        app.request(
          `${API}/namespaces/default/functions`,
          { headers: { authorization: `Bearer ${victim}` } },
          { incoming: { socket: { remoteAddress: '10.9.9.9' } } },
        );
      await other.waitFor(h.store.state().offset);
      expect((await ask(otherApp)).status).toBe(200);
      const revoked = await h.request(`${API}/tokens/victim`, { method: 'DELETE', token: root });
      expect(revoked.status).toBe(200);
      expect((await ask(h.app)).status).toBe(401);
      await other.waitFor(h.store.state().offset);
      const refused = await ask(otherApp);
      expect(refused.status).toBe(401);
      expect(await refused.text()).toContain('not valid');
    } finally {
      await other.close();
    }
  });

  it('refuses an expired token', async () => {
    h = await authHarness();
    const old = await h.mint('old', admin, '2020-01-01T00:00:00Z');
    const res = await h.request(`${API}/namespaces`, { token: old });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('expired');
  });

  it('rate-limits failed authentications per client address: 429 with Retry-After, even for a good token, other addresses unaffected', async () => {
    let now = 1_000_000;
    h = await authHarness({ authentication: { failureRate: { ratePerSecond: 1, burst: 3 }, clock: { now: () => now } } });
    const good = await h.mint('good', admin);
    const wrong = good.replace(/.$/, good.endsWith('0') ? '1' : '0');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.request(`${API}/namespaces`, { token: wrong, address: '10.6.6.6' })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await h.request(`${API}/namespaces`, { token: good, address: '10.6.6.6' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await h.request(`${API}/namespaces`, { token: good, address: '10.7.7.7' })).status).toBe(200);
    // Missing tokens guess nothing: they are not counted.
    for (let i = 0; i < 5; i++) expect((await h.request(`${API}/namespaces`, { address: '10.8.8.8' })).status).toBe(401);
    now += 1_000;
    expect((await h.request(`${API}/namespaces`, { token: good, address: '10.6.6.6' })).status).toBe(200);
  });

  it('lets anonymous reads through when configured, but no writes, secrets, tokens or the raw log', async () => {
    h = await authHarness({ authentication: { anonymousReads: true } });
    expect((await h.request(`${API}/namespaces/default/functions`)).status).toBe(200);
    expect((await h.request(`${API}/namespaces/default`, { method: 'DELETE' })).status).toBe(401);
    expect((await h.request(`${API}/tokens`)).status).toBe(401);
    expect((await h.request(`${API}/log/tide.state/end`)).status).toBe(401);
    expect((await h.request(`${API}/whoami`)).status).toBe(401);
  });

  it('names the caller as the actor of every event it causes, and /events shows it (redacted for a viewer)', async () => {
    h = await authHarness({ namespaces: ['default', 'a'] });
    const dev = await h.mint('dev', { kind: 'user', roles: [{ role: 'developer', namespaces: ['a'] }] });
    const viewer = await h.mint('viewer', { kind: 'user', roles: [{ role: 'viewer', namespaces: ['a'] }] });
    const upload = await h.request(`${API}/namespaces/a/artifacts`, { method: 'POST', body: 'export default {}', token: dev });
    const { digest } = (await upload.json()) as { digest: string };
    const fn = {
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name: 'hello' },
      spec: { source: { artifact: digest }, env: { PASSWORD: 'hunter2' } },
    };
    const put = await h.request(`${API}/namespaces/a/functions/hello`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fn),
      token: dev,
    });
    expect(put.status).toBe(201);
    const applied = await firstEvent(await h.request(`${API}/events?sendInitialEvents=true`, { token: dev }), 'FunctionApplied');
    expect(applied.actor).toBe('user:dev');
    expect(JSON.stringify(applied)).toContain('hunter2');
    const seen = await firstEvent(await h.request(`${API}/events?sendInitialEvents=true`, { token: viewer }), 'FunctionApplied');
    expect(seen.actor).toBe('user:dev');
    expect(JSON.stringify(seen)).not.toContain('hunter2');
    const got = await (await h.request(`${API}/namespaces/a/functions/hello`, { token: viewer })).text();
    expect(got).toContain('PASSWORD');
    expect(got).not.toContain('hunter2');
    const deleted = await h.request(`${API}/namespaces/a/functions/hello`, { method: 'DELETE', token: dev });
    expect(deleted.status).toBe(200);
    expect((await firstEvent(await h.request(`${API}/events?sendInitialEvents=true`, { token: dev }), 'FunctionDeleted')).actor).toBe('user:dev');
  });
});

describe("the issue's attacks from outside, through the log API", () => {
  it('refuses a forged record and a forged leader election to anyone but a component, and nothing reaches the log', async () => {
    h = await authHarness({ namespaces: ['default', 'victim'] });
    const clusterAdmin = await h.mint('root', admin);
    const dev = await h.mint('dev', { kind: 'user', roles: [{ role: 'developer', namespaces: ['victim'] }] });
    const forged = [
      {
        type: 'FunctionApplied',
        data: {
          namespace: 'victim',
          manifest: { apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: 'api' }, spec: { source: { artifact: `sha256:${'0'.repeat(64)}` } } },
        },
      },
      { type: 'LeaderElected', data: { role: 'controllers', epoch: 99, holder: 'attacker' } },
    ];
    const end = await h.log.endOffset('tide.state');
    for (const event of forged) {
      const body = JSON.stringify({ records: [{ value: Buffer.from(JSON.stringify(event)).toString('base64') }] });
      for (const [who, token] of [
        ['nobody', undefined],
        ['developer', dev],
        ['cluster admin', clusterAdmin],
      ] as const) {
        const res = await h.request(`${API}/log/tide.state`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          ...(token ? { token } : {}),
        });
        expect(res.status, `${who} ${event.type}`).toBe(token ? 403 : 401);
      }
    }
    expect(await h.log.endOffset('tide.state')).toBe(end);
  });
});

describe('artifacts across namespaces', () => {
  it("does not serve namespace b's artifact to a token of namespace a through a's own path", async () => {
    h = await authHarness({ namespaces: ['default', 'a', 'b'] });
    const devA = await h.mint('dev-a', { kind: 'user', roles: [{ role: 'developer', namespaces: ['a'] }] });
    const devB = await h.mint('dev-b', { kind: 'user', roles: [{ role: 'developer', namespaces: ['b'] }] });
    const upload = async (ns: string, token: string, code: string) =>
      ((await (await h.request(`${API}/namespaces/${ns}/artifacts`, { method: 'POST', body: code, token })).json()) as { digest: string }).digest;
    const secretCode = await upload('b', devB, 'export default { secret: 42 }');
    const own = await upload('a', devA, 'export default { mine: 1 }');
    expect((await h.request(`${API}/namespaces/a/artifacts/${own}`, { token: devA })).status).toBe(200);
    expect((await h.request(`${API}/namespaces/b/artifacts/${secretCode}`, { token: devB })).status).toBe(200);
    const stolen = await h.request(`${API}/namespaces/a/artifacts/${secretCode}`, { token: devA });
    expect(stolen.status).toBe(404);
    expect(await stolen.text()).not.toContain('secret: 42');
  });
});

/** The first server-sent event of a type in a watch response (then the stream is let go). */
async function firstEvent(res: Response, type: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += decoder.decode(chunk.value, { stream: true });
      const match = new RegExp(`event: ${type}\\ndata: (.*)\\n`).exec(text);
      if (match) return JSON.parse(match[1]!) as Record<string, unknown>;
    }
    throw new Error(`the stream ended without a ${type} event: ${text.slice(0, 500)}`);
  } finally {
    await reader.cancel();
  }
}
