import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore, STATE_TOPIC, type StateStore } from '@tide/core';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { createControlPlaneApp } from './app.js';
import { openArtifactStore } from './adapters/artifact-store.js';

let log: MemoryLog;
let store: StateStore;
let app: ReturnType<typeof createControlPlaneApp>;
let dir: Awaited<ReturnType<typeof makeTempDir>>;

const json = (body: unknown) => ({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const fnPath = '/apis/tide.dev/v1/namespaces/default/functions/hello';
const manifest = (artifact: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Function',
  metadata: { name: 'hello', ...extra },
  spec: { source: { artifact } },
});

async function upload(bytes = 'export default { fetch: () => new Response("hi") }') {
  const res = await app.request('/apis/tide.dev/v1/artifacts', { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { digest: string }).digest;
}

beforeEach(async () => {
  dir = await makeTempDir();
  log = createMemoryLog();
  store = await openStateStore({ log });
  await store.append([{ type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
  app = createControlPlaneApp({ store, log, artifacts: await openArtifactStore(dir.path), limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 } });
});
afterEach(async () => {
  await store.close();
  await log.close();
  await dir.remove();
});

describe('control plane API', () => {
  it('applies a function, then serves it with its revision and resourceVersion', async () => {
    const digest = await upload();
    const created = await app.request(fnPath, json(manifest(digest)));
    expect(created.status).toBe(201);
    const body = (await created.json()) as { metadata: { resourceVersion: string }; status: { latestRevision: string } };
    expect(body.status.latestRevision).toBe('hello-00001');
    const got = await app.request(fnPath);
    expect(((await got.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion).toBe(body.metadata.resourceVersion);
    const list = (await (await app.request('/apis/tide.dev/v1/namespaces/default/functions')).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(1);
    const again = await app.request(fnPath, json(manifest(digest)));
    expect(again.status).toBe(200);
  });

  it('accepts YAML manifests', async () => {
    const digest = await upload();
    const yaml = `apiVersion: tide.dev/v1\nkind: Function\nmetadata:\n  name: hello\nspec:\n  source: { artifact: "${digest}" }\n  env: { GREETING: hi }\n`;
    const res = await app.request(fnPath, { method: 'PUT', headers: { 'content-type': 'application/yaml' }, body: yaml });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { spec: { env: Record<string, string> } }).spec.env).toEqual({ GREETING: 'hi' });
  });

  it('answers 409 to the second of two applies made against the same resourceVersion', async () => {
    const digest = await upload();
    const first = (await (await app.request(fnPath, json(manifest(digest)))).json()) as { metadata: { resourceVersion: string } };
    const rv = first.metadata.resourceVersion;
    const [a, b] = await Promise.all([
      app.request(fnPath, json({ ...manifest(digest, { resourceVersion: rv }), spec: { source: { artifact: digest }, env: { A: '1' } } })),
      app.request(fnPath, json({ ...manifest(digest, { resourceVersion: rv }), spec: { source: { artifact: digest }, env: { A: '2' } } })),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = [a, b].find((r) => r.status === 409)!;
    expect(((await loser.json()) as { message: string }).message).toMatch(/resourceVersion/);
  });

  it.each([
    ['malformed JSON', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"kind": ' }, 400, /not valid JSON/],
    ['malformed YAML', { method: 'PUT', headers: { 'content-type': 'application/yaml' }, body: 'kind: [unclosed' }, 400, /not valid YAML/],
    ['an unsupported content type', { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hi' }, 415, /text\/plain/],
    ['an unknown kind', json({ apiVersion: 'tide.dev/v1', kind: 'Gadget', metadata: { name: 'hello' }, spec: {} }), 400, /Gadget/],
    ['a missing spec.source', json({ apiVersion: 'tide.dev/v1', kind: 'Function', metadata: { name: 'hello' }, spec: {} }), 422, /spec\.source/],
    [
      'a wrong type',
      json({
        apiVersion: 'tide.dev/v1',
        kind: 'Function',
        metadata: { name: 'hello' },
        spec: { source: { artifact: `sha256:${'a'.repeat(64)}` }, concurrency: 'lots' },
      }),
      422,
      /spec\.concurrency/,
    ],
    [
      'an unknown field',
      json({
        apiVersion: 'tide.dev/v1',
        kind: 'Function',
        metadata: { name: 'hello' },
        spec: { source: { artifact: `sha256:${'a'.repeat(64)}` }, replicas: 3 },
      }),
      422,
      /replicas/,
    ],
    ['an artifact never uploaded', json(manifest(`sha256:${'c'.repeat(64)}`)), 422, /not been uploaded/],
    ['a 10 MB manifest', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(10 * 1024 * 1024) }, 413, /limit/],
  ])('rejects %s with a 4xx that names the problem, and appends nothing', async (_what, init, status, message) => {
    const before = log.records(STATE_TOPIC).length;
    const res = await app.request(fnPath, init as RequestInit);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
    expect(log.records(STATE_TOPIC).length).toBe(before);
  });

  it.each([
    ['/apis/tide.dev/v1/namespaces/default/functions/..%2F..%2Fetc', 400],
    ['/apis/tide.dev/v1/namespaces/default/functions/Hello', 400],
    ['/apis/tide.dev/v1/namespaces/..%2Fx/functions/hello', 400],
  ])('rejects the path-traversing or invalid name in %s', async (path, status) => {
    const before = log.records(STATE_TOPIC).length;
    const res = await app.request(path, json(manifest(`sha256:${'a'.repeat(64)}`)));
    expect(res.status).toBe(status);
    expect(log.records(STATE_TOPIC).length).toBe(before);
  });

  it('rejects a name in the body that differs from the path', async () => {
    const res = await app.request(fnPath, json({ ...manifest(await upload()), metadata: { name: 'other' } }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/metadata\.name/);
  });

  it('rejects an oversized artifact with 413 and stores nothing', async () => {
    const res = await app.request('/apis/tide.dev/v1/artifacts', { method: 'POST', body: new Uint8Array(2 << 20) });
    expect(res.status).toBe(413);
  });

  it('deletes a function, and 404s a function that does not exist', async () => {
    await app.request(fnPath, json(manifest(await upload())));
    expect((await app.request(fnPath, { method: 'DELETE' })).status).toBe(200);
    expect((await app.request(fnPath)).status).toBe(404);
    expect((await app.request(fnPath, { method: 'DELETE' })).status).toBe(404);
  });

  it('streams changes after a resourceVersion as server-sent events', async () => {
    const digest = await upload();
    const from = store.state().offset;
    await app.request(fnPath, json(manifest(digest)));
    const controller = new AbortController();
    const res = await app.request(`/apis/tide.dev/v1/namespaces/default/functions?watch=true&resourceVersion=${from}`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      const deadline = Date.now() + 5000;
      while (!pattern.test(text) && Date.now() < deadline) text += decoder.decode((await reader.read()).value);
      return text;
    };
    expect(await readUntil(/FunctionApplied/)).toMatch(/"hello"/);
    await app.request(fnPath, { method: 'DELETE' });
    expect(await readUntil(/FunctionDeleted/)).toMatch(/event: FunctionDeleted/);
    controller.abort();
    await reader.cancel();
  });

  it('serves the load recorded for a function from the metrics topic', async () => {
    await app.request(fnPath, json(manifest(await upload())));
    const report = (name: string, at: number) => ({
      kind: 'gateway-load',
      source: 'gw',
      at,
      intervalMs: 1000,
      samples: [{ namespace: 'default', name, concurrency: 3, requests: 9, waiting: 0 }],
    });
    await log.append(
      'tide.metrics',
      [report('hello', 1000), report('other', 2000), report('hello', 3000)].map((r) => ({ value: JSON.stringify(r) })),
    );
    const res = await app.request(`${fnPath}/metrics?from=0`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { samples: { offset: number; at: number; concurrency: number }[]; to: number };
    expect(body.samples.map((s) => [s.offset, s.at, s.concurrency])).toEqual([
      [0, 1000, 3],
      [2, 3000, 3],
    ]);
    expect(body.to).toBe(3);
    expect((await app.request(`${fnPath}/metrics?from=abc`)).status).toBe(400);
    expect((await app.request('/apis/tide.dev/v1/namespaces/default/functions/nope/metrics')).status).toBe(404);
  });

  it('rolls a function back to its previous revision, and says when there is none', async () => {
    const first = await upload('export default { fetch: () => new Response("v1") }');
    const second = await upload('export default { fetch: () => new Response("v2") }');
    await app.request(fnPath, json(manifest(first)));
    expect((await app.request(`${fnPath}/rollback`, { method: 'POST' })).status).toBe(404);
    await app.request(fnPath, json(manifest(second)));
    const res = await app.request(`${fnPath}/rollback`, { method: 'POST' });
    expect(res.status).toBe(200);
    const fn = (await res.json()) as { spec: { source: { artifact: string } }; status: { latestRevision: string } };
    expect(fn.status.latestRevision).toBe('hello-00001');
    expect(fn.spec.source.artifact).toBe(first);
  });

  it('refuses with 403 a function that its namespace quota does not allow, naming the quota', async () => {
    const quota = { apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name: 'team-a' }, spec: { quota: { maxFunctions: 1, maxMemoryMb: 256 } } };
    expect((await app.request('/apis/tide.dev/v1/namespaces/team-a', json(quota))).status).toBe(201);
    const digest = await upload();
    const path = (name: string) => `/apis/tide.dev/v1/namespaces/team-a/functions/${name}`;
    const fn = (name: string, min = 1) => ({
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name },
      spec: { source: { artifact: digest }, scale: { min } },
    });
    const big = await app.request(path('big'), json(fn('big', 3)));
    expect(big.status).toBe(403);
    expect(((await big.json()) as { message: string }).message).toMatch(/scale.min 3 × 128 MB exceeds namespace team-a quota maxMemoryMb 256/);
    expect((await app.request(path('one'), json(fn('one')))).status).toBe(201);
    const two = await app.request(path('two'), json(fn('two')));
    expect(two.status).toBe(403);
    expect(((await two.json()) as { message: string }).message).toMatch(/maxFunctions 1/);
  });

  it('serves an OpenAPI document generated from the schemas', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    expect(Object.keys(doc.components.schemas.FunctionManifest!.properties)).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata', 'spec']));
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Function', 'Namespace', 'Revision', 'Pod', 'Node']));
    expect(Object.keys(doc.components.schemas.Pod!.properties)).toEqual(expect.arrayContaining(['spec', 'status']));
  });
});
