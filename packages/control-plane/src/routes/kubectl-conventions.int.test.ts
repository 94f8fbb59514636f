import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore, type StateStore } from '@tide/core';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { stringify, parse } from 'yaml';
import { createControlPlaneApp } from '../app.js';
import { openArtifactStore } from '../adapters/artifact-store.js';
import { replicateArtifacts } from '../adapters/replicated-artifacts.js';

// What a kubectl user relies on from the API: label selectors, round-trips of get -o yaml through
// apply, and an undo that toggles.

const API = '/apis/tide.dev/v1';
const fnPath = (name: string) => `${API}/namespaces/default/functions/${name}`;

let log: MemoryLog;
let store: StateStore;
let app: ReturnType<typeof createControlPlaneApp>;
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let artifacts: Awaited<ReturnType<typeof replicateArtifacts>>;
let digest: string;

const put = (path: string, body: unknown, contentType = 'application/json') =>
  app.request(path, { method: 'PUT', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const fn = (name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}) => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Function',
  metadata: { name, labels },
  spec: { source: { artifact: digest }, ...spec },
});
const json = async <T>(res: Response | Promise<Response>) => (await (await res).json()) as T;
type Fn = { metadata: { name: string; resourceVersion: string }; status: { latestRevision: string } };

beforeEach(async () => {
  dir = await makeTempDir();
  log = createMemoryLog();
  store = await openStateStore({ log });
  await store.append([{ type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
  artifacts = await replicateArtifacts(await openArtifactStore(dir.path), log);
  app = createControlPlaneApp({ store, log, artifacts, limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 } });
  const uploaded = await app.request(`${API}/artifacts`, { method: 'POST', body: 'export default {}' });
  digest = ((await uploaded.json()) as { digest: string }).digest;
});
afterEach(async () => {
  await artifacts.close();
  await store.close();
  await log.close();
  await dir.remove();
});

describe('label selectors on list routes', () => {
  beforeEach(async () => {
    expect((await put(fnPath('web'), fn('web', {}, { team: 'web', tier: 'front' }))).status).toBe(201);
    expect((await put(fnPath('api'), fn('api', {}, { team: 'api' }))).status).toBe(201);
  });

  it.each([
    ['team=web', ['web']],
    ['team!=web', ['api']],
    ['tier', ['web']],
    ['!tier', ['api']],
    ['team=api,tier', []],
  ])('?labelSelector=%s lists %j', async (selector, names) => {
    const list = await json<{ items: Fn[] }>(app.request(`${API}/namespaces/default/functions?labelSelector=${encodeURIComponent(selector)}`));
    expect(list.items.map((f) => f.metadata.name).sort()).toEqual(names);
  });

  it('answers 400 naming a malformed selector', async () => {
    const res = await app.request(`${API}/namespaces/default/functions?labelSelector=${encodeURIComponent('team=web,=x')}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/labelSelector "team=web,=x": term "=x"/);
  });
});

describe('get -o yaml | apply round-trips', () => {
  it('an unchanged object, status, uid and all, applies without a conflict and without a new revision', async () => {
    await put(fnPath('hello'), fn('hello'));
    const yaml = stringify(await json(app.request(fnPath('hello'))));
    const res = await put(fnPath('hello'), yaml, 'application/yaml');
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await json<Fn>(res)).status.latestRevision).toBe('hello-00001');
  });

  it('an edited object makes the next revision; a stale kept resourceVersion is a 409', async () => {
    await put(fnPath('hello'), fn('hello'));
    // biome-ignore lint/suspicious/noExplicitAny: the object as the server sent it, edited like a YAML file
    const got = await json<Record<string, any>>(app.request(fnPath('hello')));
    const edited = { ...got, spec: { ...got.spec, env: { GREETING: 'ahoy' } } };
    expect((await json<Fn>(put(fnPath('hello'), edited))).status.latestRevision).toBe('hello-00002');
    const stale = await put(fnPath('hello'), parse(stringify(got)));
    expect(stale.status).toBe(409);
  });
});

describe('get -o yaml | apply round-trips a namespace', () => {
  it('an unchanged namespace applies back', async () => {
    const yaml = stringify(await json(app.request(`${API}/namespaces/default`)));
    const res = await put(`${API}/namespaces/default`, yaml, 'application/yaml');
    expect(res.status, await res.clone().text()).toBe(200);
  });
});

describe('rollout undo toggles, as kubectl rollout undo does', () => {
  it('undo twice is back where you were', async () => {
    await put(fnPath('hello'), fn('hello'));
    await put(fnPath('hello'), fn('hello', { env: { V: '2' } }));
    await put(fnPath('hello'), fn('hello', { env: { V: '3' } }));
    const undo = () => json<Fn>(app.request(`${fnPath('hello')}/rollback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    expect((await undo()).status.latestRevision).toBe('hello-00002');
    expect((await undo()).status.latestRevision).toBe('hello-00003');
    expect((await undo()).status.latestRevision).toBe('hello-00002');
  });
});

describe('namespaces', () => {
  it('deleting a namespace deletes its functions with it, as Kubernetes does', async () => {
    await put(`${API}/namespaces/team`, { apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name: 'team' } });
    await put(`${API}/namespaces/team/functions/x`, { ...fn('x'), metadata: { name: 'x', namespace: 'team' } });
    expect((await app.request(`${API}/namespaces/team`, { method: 'DELETE' })).status).toBe(200);
    expect((await app.request(`${API}/namespaces/team/functions/x`)).status).toBe(404);
  });
});

describe('nodes', () => {
  const capacity = { memoryMb: 1024, cpuMilli: 1000, pods: 10 };

  it('deleting a node needs fold rules version 2: before the cluster switches, a 503 says so and nothing is appended', async () => {
    await store.append([
      { type: 'NodeRegistered', data: { name: 'node-2', bootId: 'b1', address: '127.0.0.1', capacity, labels: {}, taints: [] } },
      { type: 'NodeReadinessChanged', data: { name: 'node-2', bootId: 'b1', ready: false, reason: 'lease expired' } },
    ]);
    const end = store.state().offset;
    const refused = await app.request(`${API}/nodes/node-2`, { method: 'DELETE' });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { message: string }).message).toMatch(/needs fold rules version 2; the cluster still runs version 1/);
    expect(store.state().offset).toBe(end);
  });

  it('deleting a node refuses a Ready one (409 naming it) and removes one whose agent is gone', async () => {
    await store.append([{ type: 'RulesVersionRaised', data: { version: 2 } }]);
    await store.append([{ type: 'NodeRegistered', data: { name: 'node-2', bootId: 'b1', address: '127.0.0.1', capacity, labels: {}, taints: [] } }]);
    const live = await app.request(`${API}/nodes/node-2`, { method: 'DELETE' });
    expect(live.status).toBe(409);
    expect(((await live.json()) as { message: string }).message).toMatch(/node node-2 is Ready: its agent is still running/);
    await store.append([{ type: 'NodeReadinessChanged', data: { name: 'node-2', bootId: 'b1', ready: false, reason: 'lease expired' } }]);
    expect((await app.request(`${API}/nodes/node-2`, { method: 'DELETE' })).status).toBe(200);
    expect((await app.request(`${API}/nodes/node-2`)).status).toBe(404);
    expect((await app.request(`${API}/nodes/node-9`, { method: 'DELETE' })).status).toBe(404);
  });
});
