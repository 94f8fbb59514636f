import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore, type StateStore, type Trigger } from '@tide/core';
import { newestRules } from '@tide/core/testing';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { createControlPlaneApp } from './app.js';
import { openArtifactStore } from './adapters/artifact-store.js';

// Triggers through the API, as functions are: apply, get, list (labelSelector, every namespace), watch, delete.

const API = '/apis/tide.dev/v1';
const triggers = `${API}/namespaces/default/triggers`;
let log: MemoryLog;
let store: StateStore;
let app: ReturnType<typeof createControlPlaneApp>;
let dir: Awaited<ReturnType<typeof makeTempDir>>;

const send = (method: string, body?: unknown, contentType = 'application/json'): RequestInit => ({
  method,
  headers: { 'content-type': contentType },
  ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
});
const trigger = (name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Trigger',
  metadata: { name, ...metadata },
  spec,
});
const nightly = (metadata: Record<string, unknown> = {}) =>
  trigger('nightly', { function: 'report', cron: { schedule: '0 3 * * *', timeZone: 'Europe/Paris' } }, metadata);
const orders = trigger('orders', { function: 'reserve', kafka: { topics: ['orders'], batchSize: 5 } }, { labels: { team: 'shop' } });

beforeEach(async () => {
  dir = await makeTempDir();
  log = createMemoryLog();
  store = await openStateStore({ log });
  await store.append([...newestRules(), { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
  app = createControlPlaneApp({ store, log, artifacts: await openArtifactStore(dir.path), limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 } });
});
afterEach(async () => {
  await store.close();
  await log.close();
  await dir.remove();
});

describe('triggers through the API', () => {
  it('applies a cron trigger naming a function that does not exist, then serves it with defaults and status', async () => {
    const created = await app.request(`${triggers}/nightly`, send('PUT', nightly()));
    expect(created.status).toBe(201);
    const body = (await created.json()) as Trigger;
    expect(body).toMatchObject({
      kind: 'Trigger',
      metadata: { name: 'nightly', namespace: 'default', generation: 1 },
      spec: { function: 'report', delivery: 'auto', cron: { schedule: '0 3 * * *', timeZone: 'Europe/Paris', concurrencyPolicy: 'Allow' } },
      status: { fired: 0, skipped: 0 },
    });
    const got = (await (await app.request(`${triggers}/nightly`)).json()) as Trigger;
    expect(got.metadata.resourceVersion).toBe(body.metadata.resourceVersion);
    expect((await app.request(`${triggers}/nightly`, send('PUT', nightly()))).status).toBe(200);
  });

  it('accepts YAML, and what get printed back (status and server metadata dropped)', async () => {
    const yaml = 'apiVersion: tide.dev/v1\nkind: Trigger\nmetadata:\n  name: orders\nspec:\n  function: reserve\n  kafka:\n    topics: [orders]\n';
    const created = await app.request(`${triggers}/orders`, send('PUT', yaml, 'application/yaml'));
    expect(created.status).toBe(201);
    const printed = await created.json();
    expect((await app.request(`${triggers}/orders`, send('PUT', printed))).status).toBe(200);
  });

  it('refuses with 409 an apply against a stale resourceVersion, and a POST of a trigger that exists', async () => {
    const first = (await (await app.request(`${triggers}/nightly`, send('PUT', nightly()))).json()) as Trigger;
    await app.request(`${triggers}/nightly`, send('PUT', nightly({ labels: { a: 'b' } })));
    const stale = await app.request(`${triggers}/nightly`, send('PUT', nightly({ resourceVersion: first.metadata.resourceVersion })));
    expect(stale.status).toBe(409);
    const again = await app.request(triggers, send('POST', nightly()));
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toMatch(/default\/nightly already exists/);
  });

  it('lets one of two racing POSTs of one name create it, and answers 409 to the other', async () => {
    const [a, b] = await Promise.all([app.request(triggers, send('POST', nightly())), app.request(triggers, send('POST', nightly({ labels: { b: 'b' } })))]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect(((await (await app.request(`${triggers}/nightly`)).json()) as Trigger).metadata.generation).toBe(1);
  });

  it('creates with POST to the collection', async () => {
    const res = await app.request(triggers, send('POST', orders));
    expect(res.status).toBe(201);
    expect(((await res.json()) as Trigger).spec.kafka).toMatchObject({ topics: ['orders'], batchSize: 5, maxRetries: 3, ordering: 'key' });
  });

  it('lists triggers as a TriggerList, by label and across namespaces', async () => {
    await app.request(`${triggers}/nightly`, send('PUT', nightly()));
    await app.request(`${triggers}/orders`, send('PUT', orders));
    const all = (await (await app.request(triggers)).json()) as { kind: string; items: Trigger[] };
    expect(all.kind).toBe('TriggerList');
    expect(all.items.map((t) => t.metadata.name).sort()).toEqual(['nightly', 'orders']);
    const shop = (await (await app.request(`${triggers}?labelSelector=team%3Dshop`)).json()) as { items: Trigger[] };
    expect(shop.items.map((t) => t.metadata.name)).toEqual(['orders']);
    const everywhere = (await (await app.request(`${API}/triggers`)).json()) as { kind: string; items: Trigger[] };
    expect(everywhere.items).toHaveLength(2);
  });

  it('deletes a trigger, then 404s it naming it', async () => {
    await app.request(`${triggers}/nightly`, send('PUT', nightly()));
    const deleted = await app.request(`${triggers}/nightly`, send('DELETE'));
    expect(deleted.status).toBe(200);
    const gone = await app.request(`${triggers}/nightly`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { message: string }).message).toBe('trigger default/nightly not found');
  });

  it('streams trigger changes to a watcher of triggers only', async () => {
    const from = store.state().offset;
    await app.request(`${triggers}/nightly`, send('PUT', nightly()));
    await store.append([{ type: 'NamespaceApplied', data: { name: 'other', labels: {}, annotations: {} } }]);
    await app.request(`${triggers}/nightly`, send('DELETE'));
    const controller = new AbortController();
    const res = await app.request(`${triggers}?watch=true&resourceVersion=${from}`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let text = '';
    for (let i = 0; i < 50 && !text.includes('TriggerDeleted'); i++) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await reader.cancel();
    expect(text.match(/^event: (\w+)$/gm)).toEqual(['event: TriggerApplied', 'event: TriggerDeleted']);
  });

  it('answers 503 saying why, and appends nothing, while the cluster still folds under rules before version 3', async () => {
    const oldLog = createMemoryLog();
    const oldStore = await openStateStore({ log: oldLog });
    await oldStore.append([{ type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
    const oldApp = createControlPlaneApp({
      store: oldStore,
      log: oldLog,
      artifacts: await openArtifactStore(dir.path),
      limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 },
    });
    try {
      const before = await oldLog.endOffset('tide.state');
      const res = await oldApp.request(`${triggers}/nightly`, send('PUT', nightly()));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { message: string }).message).toMatch(/applying a trigger needs fold rules version 3; the cluster still runs version 1/);
      expect(await oldLog.endOffset('tide.state')).toBe(before);
      expect(((await (await oldApp.request(triggers)).json()) as { items: unknown[] }).items).toEqual([]);
    } finally {
      await oldStore.close();
      await oldLog.close();
    }
  });

  it('describes triggers in the OpenAPI document', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths[`${API}/namespaces/{ns}/triggers/{name}`]!)).toEqual(expect.arrayContaining(['get', 'put', 'delete']));
    expect(Object.keys(doc.paths[`${API}/namespaces/{ns}/triggers`]!)).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.components.schemas.TriggerManifest!.properties)).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata', 'spec']));
    expect(Object.keys(doc.components.schemas.Trigger!.properties)).toEqual(expect.arrayContaining(['spec', 'status']));
  });
});
