import { request as httpRequest } from 'node:http';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAsyncInvocation, INVOCATIONS_TOPIC, newTokenSecret, openStateStore, type EventInput, type TokenSpec } from '@tide/core';
import { functionManifest, newestRules } from '@tide/core/testing';
import { createMemoryLog } from '@tide/log/testing';
import type { ProcessState } from '@tide/process';
import { startGateway } from './start-gateway.js';
import { closeAfterEach, type EchoedRequest, echoUpstream, type RunningServer } from './test-support/harness.js';

const client = new Agent({ keepAliveTimeout: 1_000 });
const track = closeAfterEach();
afterAll(() => client.close());

const COMPONENT_TOKEN = 'component-s3cret';
const NOW = Date.parse('2026-12-07T00:00:00Z');
const user = (role: string, namespaces: string[]) => ({ subject: { kind: 'user', roles: [{ role, namespaces }] } }) as TokenSpec;
/** One token per caller a test may be: each a user of namespace a or b, or a component. */
const TOKENS: Record<string, TokenSpec> = {
  invoker: user('invoker', ['a']),
  developer: user('developer', ['a']),
  admin: user('admin', ['*']),
  viewer: user('viewer', ['a']),
  'developer-b': user('developer', ['b']),
  expiring: { ...user('invoker', ['a']), expiresAt: new Date(NOW + 60_000).toISOString() },
};

/** A pod of revision 00001 of `a/<fn>`, Ready at the upstream's address. */
function servedBy(fn: string, upstream: RunningServer): EventInput[] {
  const pod = { namespace: 'a', name: `${fn}-00001-aaaaa` };
  return [
    { type: 'PodCreated', data: { ...pod, revision: `${fn}-00001` } },
    { type: 'PodBound', data: { ...pod, node: 'n' } },
    { type: 'PodStatusReported', data: { ...pod, node: 'n', bootId: 'n-1', phase: 'Ready', endpoint: upstream.url, restartCount: 0 } },
  ];
}

/**
 * Given a gateway following a state store: in namespace a, `open` (public) and `locked`
 * (access: token), each served by a pod that echoes what it got, and a token per TOKENS entry.
 */
async function cluster() {
  const log = createMemoryLog();
  const store = await openStateStore({ log });
  const processState: ProcessState = { source: { kind: 'embedded', dataDir: '(memory)' }, log, store, close: () => store.close() };
  track({ close: () => processState.close() });
  const tokens: Record<string, string> = {};
  const events: EventInput[] = [
    ...newestRules(),
    { type: 'NamespaceApplied', data: { name: 'a' } },
    { type: 'NamespaceApplied', data: { name: 'b' } },
    { type: 'NodeRegistered', data: { name: 'n', bootId: 'n-1', address: '127.0.0.1', capacity: { memoryMb: 4096, cpuMilli: 2000, pods: 10 } } },
    { type: 'FunctionApplied', data: { namespace: 'a', manifest: functionManifest('open') } },
    { type: 'FunctionApplied', data: { namespace: 'a', manifest: functionManifest('locked', { access: 'token' }) } },
    ...servedBy('open', track(await echoUpstream())),
    ...servedBy('locked', track(await echoUpstream())),
  ];
  for (const [name, spec] of Object.entries(TOKENS)) {
    const made = newTokenSecret(name);
    tokens[name] = made.token;
    events.push({ type: 'TokenCreated', data: { name, secretHash: made.secretHash, spec } });
  }
  const verdicts = await store.append(events);
  expect(verdicts.filter((v) => !v.verdict.accepted)).toEqual([]);
  const clock = { nowMs: NOW, now: () => clock.nowMs };
  const gateway = await startGateway({
    log: { shared: processState },
    listen: { port: 0, host: '127.0.0.1' },
    domain: 'localhost',
    clock,
    componentToken: COMPONENT_TOKEN,
    report: () => {},
  });
  track({ close: () => gateway.stop() });
  return { url: gateway.url!, store, log, tokens, clock };
}

async function call(url: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await request(`${url}${path}`, { dispatcher: client, method, headers, ...(method === 'GET' ? {} : { body: 'hi' }) });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    echoed: () => JSON.parse(text) as EchoedRequest,
    error: () => (JSON.parse(text) as { error: string }).error,
  };
}
const bearer = (token: string | undefined) => ({ authorization: `Bearer ${token}` });

describe('per-function access on the invocation path (spec.access)', () => {
  it('serves a public function to anyone, without a token', async () => {
    const { url } = await cluster();
    expect((await call(url, '/fn/a/open/')).status).toBe(200);
    expect((await call(url, '/', { host: 'open.a.localhost' })).status).toBe(200);
  });

  it('answers a token function 401 without a token, or with a malformed, unknown or expired one, marked as the gateway answer', async () => {
    const { url, tokens, clock } = await cluster();
    const missing = await call(url, '/fn/a/locked/');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="tide"');
    expect(missing.headers['tide-error']).toBe('gateway');
    expect(missing.error()).toContain('function a/locked needs a token (access: token): a bearer token is required');
    const malformed = await call(url, '/fn/a/locked/', { authorization: 'Basic dXNlcjpwYXNz' });
    expect(malformed.status).toBe(401);
    expect(malformed.headers['www-authenticate']).toBe('Bearer realm="tide", error="invalid_token"');
    expect(malformed.error()).toContain('is not "Bearer tide_<name>_<secret>"');
    const unknown = await call(url, '/fn/a/locked/', bearer(tokens.invoker!.replace('tide_invoker_', 'tide_nobody_')));
    expect([unknown.status, unknown.error()]).toEqual([401, expect.stringContaining('not valid (unknown, revoked or wrong)')]);
    expect((await call(url, '/fn/a/locked/', bearer(tokens.expiring))).status).toBe(200);
    clock.nowMs += 60_000;
    const expired = await call(url, '/fn/a/locked/', bearer(tokens.expiring));
    expect([expired.status, expired.error()]).toEqual([401, expect.stringContaining('expired at')]);
  });

  it('lets an invoker, a developer of its namespace and an admin call it, and forbids a viewer and a developer of another namespace', async () => {
    const { url, tokens } = await cluster();
    for (const name of ['invoker', 'developer', 'admin']) expect((await call(url, '/fn/a/locked/', bearer(tokens[name]))).status, name).toBe(200);
    for (const name of ['viewer', 'developer-b']) {
      const refused = await call(url, '/fn/a/locked/', bearer(tokens[name]));
      expect([refused.status, refused.headers['tide-error'], refused.error()], name).toEqual([
        403,
        'gateway',
        `token ${name} may not invoke functions in namespace a`,
      ]);
    }
  });

  it('refuses a token from the moment the gateway has folded its revocation', async () => {
    const { url, store, tokens } = await cluster();
    expect((await call(url, '/fn/a/locked/', bearer(tokens.invoker))).status).toBe(200);
    const [revoked] = await store.append([{ type: 'TokenRevoked', data: { name: 'invoker' } }]);
    expect(revoked!.verdict.accepted).toBe(true);
    const after = await call(url, '/fn/a/locked/', bearer(tokens.invoker));
    expect([after.status, after.error()]).toEqual([401, expect.stringContaining('not valid (unknown, revoked or wrong)')]);
  });

  it('asks the same of host-routed calls, async calls and WebSocket upgrades', async () => {
    const { url, tokens, log } = await cluster();
    expect((await call(url, '/', { host: 'locked.a.localhost' })).status).toBe(401);
    expect((await call(url, '/', { host: 'locked.a.localhost', ...bearer(tokens.invoker) })).status).toBe(200);
    expect((await call(url, '/async/a/locked/', {}, 'POST')).status).toBe(401);
    expect((await call(url, '/async/a/locked/', bearer(tokens.viewer), 'POST')).status).toBe(403);
    const accepted = await call(url, '/async/a/locked/', bearer(tokens.invoker), 'POST');
    expect(accepted.status).toBe(202);
    // The stored call carries no Tide token: the log is no place for a credential, nor is the function.
    const stored = [];
    for await (const record of log.read(INVOCATIONS_TOPIC, 0, { follow: false })) stored.push(decodeAsyncInvocation(record.value));
    expect(stored).toHaveLength(1);
    expect(stored[0]!.headers.authorization).toBeUndefined();
    const upgrade = await upgradeStatus(url, '/fn/a/locked/ws');
    expect(upgrade).toEqual({ status: 401, challenge: 'Bearer realm="tide"', marked: 'gateway' });
  });

  it('never passes a Tide token on to a function, public or not, but passes its own Authorization', async () => {
    const { url, tokens } = await cluster();
    const locked = await call(url, '/fn/a/locked/', bearer(tokens.developer));
    expect(locked.echoed().headers.authorization).toBeUndefined();
    const open = await call(url, '/fn/a/open/', bearer(tokens.developer));
    expect(open.echoed().headers.authorization).toBeUndefined();
    const own = await call(url, '/fn/a/open/', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig' });
    expect(own.echoed().headers.authorization).toBe('Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig');
  });

  it("lets Tide's own components call it (the triggers process delivering an async call accepted with a token)", async () => {
    const { url } = await cluster();
    expect((await call(url, '/fn/a/locked/', { 'tide-component-token': COMPONENT_TOKEN })).status).toBe(200);
    expect((await call(url, '/fn/a/locked/', { 'tide-component-token': 'guess' })).status).toBe(401);
  });

  it('answers 429 to an address after ten failed token checks, valid token or not', async () => {
    const { url, tokens } = await cluster();
    for (let i = 0; i < 10; i += 1) expect((await call(url, '/fn/a/locked/', { authorization: 'Bearer tide_x' })).status).toBe(401);
    const limited = await call(url, '/fn/a/locked/', bearer(tokens.invoker));
    expect([limited.status, limited.headers['retry-after'], limited.headers['tide-error']]).toEqual([429, '6', 'gateway']);
    // A public function asks for nothing, so it is not limited.
    expect((await call(url, '/fn/a/open/')).status).toBe(200);
  });
});

/** The gateway's answer to a WebSocket upgrade without a token (the pod is never reached). */
function upgradeStatus(url: string, path: string): Promise<{ status: number | undefined; challenge: unknown; marked: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode, challenge: res.headers['www-authenticate'], marked: res.headers['tide-error'] });
    });
    req.on('upgrade', () => reject(new Error('upgraded without a token')));
    req.on('error', reject);
    req.end();
  });
}
