import { describe, expect, it } from 'vitest';
import type { TokenSubject } from '@tide/core';
import { API, authHarness, type AuthHarness } from './auth.fixture.js';

/**
 * Issue 12, acceptance 1: every route of /openapi.json × every method × every kind of credential,
 * in process. What each credential may do is written out below by hand (not asked of authorize()),
 * so a wrong table in the code shows up as a difference here.
 */

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'] as const;
/** Served by the gateway, which guards them itself. */
const GATEWAY_PATHS = ['/async/{ns}/{name}', '/fn/{ns}/{name}'];

// ---- the credentials ---------------------------------------------------------------------------
type Credential =
  | 'none'
  | 'malformed'
  | 'wrong-secret'
  | 'revoked'
  | 'expired'
  | 'admin-b'
  | 'developer-b'
  | 'viewer-b'
  | 'invoker-b'
  | 'admin-a'
  | 'developer-a'
  | 'viewer-a'
  | 'invoker-a'
  | 'cluster-admin'
  | 'node'
  | 'gateway'
  | 'triggers'
  | 'node-bootstrap';
const CREDENTIALS: Credential[] = [
  'none',
  'malformed',
  'wrong-secret',
  'revoked',
  'expired',
  'admin-b',
  'developer-b',
  'viewer-b',
  'invoker-b',
  'admin-a',
  'developer-a',
  'viewer-a',
  'invoker-a',
  'cluster-admin',
  'node',
  'gateway',
  'triggers',
  'node-bootstrap',
];
const userIn = (role: 'admin' | 'developer' | 'viewer' | 'invoker', ns: string): TokenSubject => ({ kind: 'user', roles: [{ role, namespaces: [ns] }] });
const SUBJECTS: Partial<Record<Credential, TokenSubject>> = {
  'admin-b': userIn('admin', 'b'),
  'developer-b': userIn('developer', 'b'),
  'viewer-b': userIn('viewer', 'b'),
  'invoker-b': userIn('invoker', 'b'),
  'admin-a': userIn('admin', 'a'),
  'developer-a': userIn('developer', 'a'),
  'viewer-a': userIn('viewer', 'a'),
  'invoker-a': userIn('invoker', 'a'),
  'cluster-admin': userIn('admin', '*'),
  node: { kind: 'node', node: 'n1' },
  gateway: { kind: 'gateway' },
  triggers: { kind: 'triggers' },
  'node-bootstrap': { kind: 'node-bootstrap' },
};
const USERS: Credential[] = ['admin-b', 'developer-b', 'viewer-b', 'invoker-b', 'admin-a', 'developer-a', 'viewer-a', 'invoker-a', 'cluster-admin'];
const VALID: Credential[] = [...USERS, 'node', 'gateway', 'triggers', 'node-bootstrap'];

// ---- who may do what (the expected table) --------------------------------------------------------
/** Who may, per kind of route. Every route below is in namespace a where it is namespaced. */
const MAY: Record<string, readonly Credential[]> = {
  public: [...CREDENTIALS],
  anyToken: VALID,
  /** Cluster-wide lists and watches: any person, answered with what it may see. */
  anyPerson: USERS,
  readA: ['admin-a', 'developer-a', 'viewer-a', 'cluster-admin'],
  writeA: ['admin-a', 'developer-a', 'cluster-admin'],
  artifactInA: ['admin-a', 'developer-a', 'viewer-a', 'cluster-admin', 'node'],
  anyArtifact: ['cluster-admin', 'node'],
  clusterAdmin: ['cluster-admin'],
  components: ['node', 'gateway', 'triggers'],
  /** The log's topics per component (core/log-topic-rights.ts): tide.state is appended by nodes and the triggers process, not gateways. */
  stateWriters: ['node', 'triggers'],
  /** Consumer groups' offsets: the triggers process's only. */
  groupCommitters: ['triggers'],
  /** A node publishes its pods' queue sends through the records API. */
  recordsInA: ['admin-a', 'developer-a', 'cluster-admin', 'node'],
  /** The opened values of a pod's secrets: a node's (the route then checks the pod is bound to it), never a person's. */
  nodeOnly: ['node'],
  /** A node joins with the cluster's bootstrap token, and with nothing else. */
  bootstrap: ['node-bootstrap'],
  nobody: [],
};

/** "METHOD path" → kind of route; a method a path does not list is for nobody. */
const EXPECTED: Record<string, keyof typeof MAY> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /openapi.json': 'public',
  'GET /apis/tide.dev/v1/whoami': 'anyToken',
  'POST /apis/tide.dev/v1/tokens': 'clusterAdmin',
  'GET /apis/tide.dev/v1/tokens': 'clusterAdmin',
  'GET /apis/tide.dev/v1/tokens/{name}': 'clusterAdmin',
  'DELETE /apis/tide.dev/v1/tokens/{name}': 'clusterAdmin',
  'POST /apis/tide.dev/v1/artifacts': 'writeA',
  'GET /apis/tide.dev/v1/artifacts/{digest}': 'anyArtifact',
  'POST /apis/tide.dev/v1/namespaces/{namespace}/artifacts': 'writeA',
  'GET /apis/tide.dev/v1/namespaces/{namespace}/artifacts/{digest}': 'artifactInA',
  'GET /apis/tide.dev/v1/namespaces': 'anyPerson',
  'GET /apis/tide.dev/v1/namespaces/{name}': 'readA',
  'PUT /apis/tide.dev/v1/namespaces/{name}': 'clusterAdmin',
  'DELETE /apis/tide.dev/v1/namespaces/{name}': 'clusterAdmin',
  'GET /apis/tide.dev/v1/namespaces/{ns}/functions': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/functions/{name}': 'readA',
  'PUT /apis/tide.dev/v1/namespaces/{ns}/functions/{name}': 'writeA',
  'DELETE /apis/tide.dev/v1/namespaces/{ns}/functions/{name}': 'writeA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/functions/{name}/metrics': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/functions/{name}/logs': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/functions/{name}/explain': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/pods/{name}/explain': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/top/functions': 'readA',
  'GET /apis/tide.dev/v1/top/functions': 'anyPerson',
  'GET /apis/tide.dev/v1/top/nodes': 'clusterAdmin',
  'POST /apis/tide.dev/v1/namespaces/{ns}/functions/{name}/rollback': 'writeA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/revisions': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/revisions/{name}': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/pods': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/pods/{name}': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/triggers': 'readA',
  'POST /apis/tide.dev/v1/namespaces/{ns}/triggers': 'writeA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/triggers/{name}': 'readA',
  'PUT /apis/tide.dev/v1/namespaces/{ns}/triggers/{name}': 'writeA',
  'DELETE /apis/tide.dev/v1/namespaces/{ns}/triggers/{name}': 'writeA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/secrets': 'writeA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/secrets/{name}': 'writeA',
  'PUT /apis/tide.dev/v1/namespaces/{ns}/secrets/{name}': 'writeA',
  'DELETE /apis/tide.dev/v1/namespaces/{ns}/secrets/{name}': 'writeA',
  'POST /apis/tide.dev/v1/secrets/reencrypt': 'clusterAdmin',
  'GET /apis/tide.dev/v1/namespaces/{ns}/pods/{name}/secret-env': 'nodeOnly',
  'GET /apis/tide.dev/v1/triggers': 'anyPerson',
  'GET /apis/tide.dev/v1/functions': 'anyPerson',
  'GET /apis/tide.dev/v1/secrets': 'anyPerson',
  'GET /apis/tide.dev/v1/revisions': 'anyPerson',
  'GET /apis/tide.dev/v1/pods': 'anyPerson',
  'GET /apis/tide.dev/v1/events': 'anyPerson',
  'GET /apis/tide.dev/v1/nodes': 'clusterAdmin',
  'GET /apis/tide.dev/v1/nodes/{name}': 'clusterAdmin',
  'DELETE /apis/tide.dev/v1/nodes/{name}': 'clusterAdmin',
  'POST /apis/tide.dev/v1/nodes/{name}/cordon': 'clusterAdmin',
  'POST /apis/tide.dev/v1/nodes/{name}/uncordon': 'clusterAdmin',
  'POST /apis/tide.dev/v1/nodes/{name}/drain': 'clusterAdmin',
  'POST /apis/tide.dev/v1/nodes/{name}/join': 'bootstrap',
  'GET /apis/tide.dev/v1/log/{topic}': 'components',
  'POST /apis/tide.dev/v1/log/{topic}': 'stateWriters',
  'GET /apis/tide.dev/v1/log/{topic}/end': 'components',
  'GET /apis/tide.dev/v1/log/{topic}/groups/{group}': 'groupCommitters',
  'PUT /apis/tide.dev/v1/log/{topic}/groups/{group}': 'groupCommitters',
  'POST /apis/tide.dev/v1/namespaces/{ns}/topics/{topic}/records': 'recordsInA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/topics/{topic}': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/activations': 'readA',
  'GET /apis/tide.dev/v1/namespaces/{ns}/activations/{id}': 'readA',
};
/** Routes of namespace a: a person with no role there (or only invoker) gets 404, as if a did not exist. */
const IN_NAMESPACE_A = /\/namespaces\/\{(ns|name|namespace)\}|\/artifacts$/;
const NO_ROLE_IN_A: Credential[] = ['admin-b', 'developer-b', 'viewer-b', 'invoker-b', 'invoker-a'];

// ---- the requests ------------------------------------------------------------------------------
interface Fixture {
  h: AuthHarness;
  tokens: Partial<Record<Credential, string>>;
  digest: string;
}

function concretePath(path: string, digest: string): string {
  const name = (param: string, before: string): string => {
    if (param === 'ns' || param === 'namespace') return 'a';
    if (param === 'digest') return digest;
    if (param === 'topic') return before.endsWith('/log/') ? 'tide.state' : 'orders';
    if (param === 'group') return 'g';
    if (param === 'id') return 'x';
    if (before.endsWith('/namespaces/')) return 'a';
    if (before.endsWith('/functions/')) return 'hello';
    if (before.endsWith('/revisions/')) return 'hello-00001';
    if (before.endsWith('/triggers/')) return 'nightly';
    if (before.endsWith('/secrets/')) return 'db';
    return 'x';
  };
  let out = '';
  let rest = path;
  for (let m = /\{([^}]+)\}/.exec(rest); m; m = /\{([^}]+)\}/.exec(rest)) {
    out += rest.slice(0, m.index);
    out += name(m[1]!, out);
    rest = rest.slice(m.index + m[0].length);
  }
  out += rest;
  // An upload without a namespace in its path says which one in its query.
  return out.endsWith('/v1/artifacts') ? `${out}?namespace=a` : out;
}

const functionManifest = (digest: string) => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Function',
  metadata: { name: 'hello' },
  spec: { source: { artifact: digest } },
});
const triggerManifest = (name: string) => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Trigger',
  metadata: { name },
  spec: { function: 'hello', cron: { schedule: '0 3 * * *' } },
});

function bodyOf(method: string, path: string, digest: string): { body: string; contentType: string } | undefined {
  if (method === 'GET' || method === 'DELETE') return undefined;
  const json = (value: unknown) => ({ body: JSON.stringify(value), contentType: 'application/json' });
  if (path.endsWith('/artifacts')) return { body: 'export default { fetch() { return new Response("a") } }', contentType: 'application/octet-stream' };
  if (path.endsWith('/namespaces/{name}')) return json({ apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name: 'a' } });
  if (path.endsWith('/functions/{name}')) return json(functionManifest(digest));
  if (path.endsWith('/triggers/{name}')) return json(triggerManifest('nightly'));
  if (path.endsWith('/triggers')) return json(triggerManifest('made'));
  if (path.endsWith('/secrets/{name}')) return json({ apiVersion: 'tide.dev/v1', kind: 'Secret', metadata: { name: 'db' }, data: { PASSWORD: 'hunter2' } });
  if (path.endsWith('/tokens')) return json({ apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name: 'made' }, spec: { subject: { kind: 'gateway' } } });
  if (path.endsWith('/records')) return json({ records: [{ value: 'x' }] });
  if (path.endsWith('/groups/{group}')) return json({ offset: 0 });
  if (path.includes('/log/')) return json({ records: [] });
  return json({});
}

async function fixture(): Promise<Fixture> {
  // Failures are counted per address (that is tested elsewhere): here every wrong token must get its 401.
  const h = await authHarness({ namespaces: ['default', 'a', 'b'], authentication: { failureRate: { ratePerSecond: 1e9, burst: 1e9 } } });
  const tokens: Partial<Record<Credential, string>> = {};
  for (const [credential, subject] of Object.entries(SUBJECTS)) tokens[credential as Credential] = await h.mint(credential, subject);
  const revoked = await h.mint('revoked', userIn('admin', '*'));
  await h.store.append([{ type: 'TokenRevoked', data: { name: 'revoked' } }]);
  tokens.revoked = revoked;
  tokens.expired = await h.mint('expired', userIn('admin', '*'), '2026-01-01T00:00:00Z');
  tokens.malformed = 'Bearer not-a-tide-token';
  const admin = tokens['cluster-admin']!;
  tokens['wrong-secret'] = admin.replace(/.$/, admin.endsWith('0') ? '1' : '0');
  // Something to read and change in namespace a (and in b, which no one of a must see).
  const upload = await h.request(`${API}/namespaces/a/artifacts`, { method: 'POST', body: 'export default {}', token: admin });
  const { digest } = (await upload.json()) as { digest: string };
  for (const ns of ['a', 'b']) {
    const put = await h.request(`${API}/namespaces/${ns}/functions/hello`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(functionManifest(digest)),
      token: admin,
    });
    expect(put.status).toBe(201);
    const trigger = await h.request(`${API}/namespaces/${ns}/triggers/nightly`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(triggerManifest('nightly')),
      token: admin,
    });
    expect(trigger.status).toBe(201);
    const secret = await h.request(`${API}/namespaces/${ns}/secrets/db`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'tide.dev/v1', kind: 'Secret', metadata: { name: 'db' }, data: { PASSWORD: 'hunter2' } }),
      token: admin,
    });
    expect(secret.status).toBe(201);
  }
  return { h, tokens, digest };
}

type Outcome = 'success' | 'refused' | 'other';
/** What the authorisation layer answered: refused (401/403/429, or the 404 that hides namespace a or a route no table has), a success, or the route's own failure. */
async function outcomeOf(res: Response): Promise<{ outcome: Outcome; status: number; message: string }> {
  const status = res.status;
  let message = '';
  if (res.headers.get('content-type')?.includes('application/json') && status >= 400) message = ((await res.json()) as { message?: string }).message ?? '';
  else await res.body?.cancel();
  if (status >= 200 && status < 300) return { outcome: 'success', status, message };
  if (status === 401 || status === 403 || status === 429) return { outcome: 'refused', status, message };
  if (status === 404 && (message === 'namespace a not found' || message === 'no such route')) return { outcome: 'refused', status, message };
  return { outcome: 'other', status, message };
}

describe('the authorisation matrix (issue 12, acceptance 1)', () => {
  it('gives no unauthorised success and refuses no authorised request, on every route × method × credential', { timeout: 120_000 }, async () => {
    const probe = await fixture();
    const document = (await (await probe.h.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    await probe.h.close();
    const paths = Object.keys(document.paths).filter((p) => !GATEWAY_PATHS.includes(p));
    // Every described operation has its row in the table above, and the table names no other.
    const described = paths.flatMap((p) => METHODS.filter((m) => m.toLowerCase() in document.paths[p]!).map((m) => `${m} ${p}`));
    expect(described.filter((route) => !(route in EXPECTED)).sort()).toEqual([]);
    expect(
      Object.keys(EXPECTED)
        .filter((route) => !described.includes(route))
        .sort(),
    ).toEqual([]);

    // Reads first, then writes, deletes last, a namespace's deletion at the very end: what a request changes cannot turn a later one into a 404.
    const rank = (method: string, path: string) => (method === 'DELETE' ? (path.endsWith('/namespaces/{name}') ? 3 : 2) : method === 'GET' ? 0 : 1);
    const requests = paths.flatMap((path) => METHODS.map((method) => ({ method, path }))).sort((x, y) => rank(x.method, x.path) - rank(y.method, y.path));

    const unauthorisedSuccesses: string[] = [];
    const wrongRefusals: string[] = [];
    const leaks: string[] = [];
    const serverErrors: string[] = [];
    /** Authorised requests the route itself answered with a failure (a missing object, no topic bus here): not refusals, but counted. */
    const routeFailures = new Map<string, number>();
    let successes = 0;
    let count = 0;
    for (const credential of CREDENTIALS) {
      const { h, tokens, digest } = await fixture();
      try {
        for (const { method, path } of requests) {
          const key = `${method} ${path}`;
          const kind = EXPECTED[key] ?? 'nobody';
          const allowed = MAY[kind]!.includes(credential);
          const body = bodyOf(method, path, digest);
          const token = tokens[credential];
          const res = await h.request(concretePath(path, digest), {
            method,
            ...(body ? { body: body.body, headers: { 'content-type': body.contentType } } : {}),
            ...(token === undefined ? {} : { token }),
          });
          count++;
          const { outcome, status, message } = await outcomeOf(res);
          const what = `${credential} ${key} → ${status} ${message}`.trim();
          if (!allowed && outcome === 'success') unauthorisedSuccesses.push(what);
          if (allowed && outcome === 'success') successes++;
          if (allowed && outcome === 'other') routeFailures.set(`${key} → ${status}`, (routeFailures.get(`${key} → ${status}`) ?? 0) + 1);
          if (status >= 500 && status !== 503) serverErrors.push(what);
          if (!allowed && outcome !== 'refused') wrongRefusals.push(`not refused: ${what}`);
          if (allowed && outcome === 'refused') wrongRefusals.push(`refused: ${what}`);
          if (!allowed && !VALID.includes(credential) && kind !== 'public' && status !== 401) wrongRefusals.push(`not 401: ${what}`);
          // Existence must not leak: namespace a's routes are 404 to a person with no role there.
          if (!allowed && NO_ROLE_IN_A.includes(credential) && kind !== 'nobody' && IN_NAMESPACE_A.test(path) && status !== 404) leaks.push(what);
        }
      } finally {
        await h.close();
      }
    }
    console.log(
      `authorisation matrix: ${paths.length} paths × ${METHODS.length} methods × ${CREDENTIALS.length} credentials = ${count} requests; ` +
        `${unauthorisedSuccesses.length} unauthorised successes, ${wrongRefusals.length} wrong decisions, ${leaks.length} namespace leaks; ` +
        `${successes} authorised successes, authorised but failed in the route: ${JSON.stringify(Object.fromEntries(routeFailures))}`,
    );
    expect(serverErrors).toEqual([]);
    expect(unauthorisedSuccesses).toEqual([]);
    expect(wrongRefusals).toEqual([]);
    expect(leaks).toEqual([]);
  });

  it('answers a cluster-wide list with only what the caller may see', async () => {
    const { h, tokens } = await fixture();
    try {
      for (const credential of USERS) {
        for (const plural of ['functions', 'triggers', 'revisions', 'namespaces']) {
          const res = await h.request(`${API}/${plural}`, { token: tokens[credential]! });
          expect(res.status, `${credential} ${plural}`).toBe(200);
          const items = ((await res.json()) as { items: { metadata: { name: string; namespace?: string } }[] }).items;
          const namespaces = [...new Set(items.map((i) => (plural === 'namespaces' ? i.metadata.name : i.metadata.namespace!)))].sort();
          const expected =
            credential === 'cluster-admin'
              ? plural === 'namespaces'
                ? ['a', 'b', 'default']
                : ['a', 'b']
              : credential.startsWith('invoker')
                ? []
                : [credential.slice(-1)];
          expect(namespaces, `${credential} ${plural}`).toEqual(expected);
        }
      }
    } finally {
      await h.close();
    }
  });
});
