import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore, type StateStore } from '@tide/core';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { openLogTopicBus, partitionOfKey, type TopicBus } from '@tide/topics';
import { createControlPlaneApp } from '../app.js';
import { openArtifactStore } from '../adapters/artifact-store.js';

let log: MemoryLog;
let store: StateStore;
let bus: TopicBus;
let app: ReturnType<typeof createControlPlaneApp>;
let dir: Awaited<ReturnType<typeof makeTempDir>>;

const records = '/apis/tide.dev/v1/namespaces/default/topics/orders/records';
const post = (body: unknown, headers: Record<string, string> = {}) =>
  app.request(records, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeEach(async () => {
  dir = await makeTempDir();
  log = createMemoryLog();
  store = await openStateStore({ log });
  await store.append([{ type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
  bus = openLogTopicBus(log);
  app = createControlPlaneApp({ store, log, bus, artifacts: await openArtifactStore(dir.path), limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 } });
});
afterEach(async () => {
  await bus.close();
  await store.close();
  await log.close();
  await dir.remove();
});

describe('records API', () => {
  it('publishes records to the namespace’s topic, a key to its murmur2 partition, and answers where each went', async () => {
    const res = await post({
      records: [
        { key: 'p-1', value: { id: 1 } },
        { key: 'p-1', value: 'second' },
      ],
    });
    expect(res.status).toBe(200);
    const p = partitionOfKey('p-1', 4);
    expect(await res.json()).toEqual({
      records: [
        { partition: p, offset: 0 },
        { partition: p, offset: 1 },
      ],
    });
    const stored = log.records(`bus.default.orders.${p}`);
    expect(stored.map((r) => new TextDecoder().decode(r.value))).toEqual(['{"id":1}', 'second']);
    expect(stored[0]!.headers['content-type']).toBe('application/json');
    expect(stored[0]!.key).toBe('p-1');
  });

  it('writes the request’s traceparent on records that carry none', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await post({ records: [{ key: 'k', value: 'v' }] }, { traceparent });
    expect(res.status).toBe(200);
    expect(log.records(`bus.default.orders.${partitionOfKey('k', 4)}`)[0]!.headers.traceparent).toBe(traceparent);
  });

  it('describes a topic: its partitions with end offsets', async () => {
    await post({ records: [{ key: 'k', value: 'v' }] });
    const res = await app.request('/apis/tide.dev/v1/namespaces/default/topics/orders');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partitions: { partition: number; endOffset: number }[] };
    expect(body.partitions).toHaveLength(4);
    expect(body.partitions.find((p) => p.partition === partitionOfKey('k', 4))!.endOffset).toBe(1);
    expect(body.partitions.reduce((n, p) => n + p.endOffset, 0)).toBe(1);
  });

  it('answers 404 for an unknown namespace, 400 for a bad topic name, 422 naming a bad field, 400 for a body that is not JSON', async () => {
    const unknown = await app.request('/apis/tide.dev/v1/namespaces/nope/topics/orders/records', {
      method: 'POST',
      body: JSON.stringify({ records: [{ value: 1 }] }),
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toContain('namespace nope not found');
    const platform = await app.request('/apis/tide.dev/v1/namespaces/default/topics/tide.state', { method: 'GET' });
    expect(platform.status).toBe(400);
    expect(((await platform.json()) as { details: { causes: { field: string }[] } }).details.causes[0]!.field).toBe('topic');
    const bad = await post({ records: [{ key: 'k' }] });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { message: string }).message).toContain('records[0].value');
    expect((await post('{not json')).status).toBe(400);
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await post({ records: [{ value: 'x'.repeat(1 << 20) }] });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toMatch(/request body \(a manifest, or records\) exceeds the limit of 1048576 bytes/);
  });
});

describe('OpenAPI', () => {
  it('lists the records and topic routes with the records body schema', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/apis/tide.dev/v1/namespaces/{ns}/topics/{topic}/records', '/apis/tide.dev/v1/namespaces/{ns}/topics/{topic}']),
    );
    expect(doc.components.schemas.PublishRecords).toBeDefined();
  });
});

describe('log API for the triggers process', () => {
  it('serves the bus’s partition topics, and still refuses other topics', async () => {
    await post({ records: [{ key: 'k', value: 'v' }] });
    const topic = `bus.default.orders.${partitionOfKey('k', 4)}`;
    expect(await (await app.request(`/apis/tide.dev/v1/log/${topic}/end`)).json()).toEqual({ endOffset: 1 });
    const commit = await app.request(`/apis/tide.dev/v1/log/${topic}/groups/trigger-a`, { method: 'PUT', body: JSON.stringify({ offset: 1 }) });
    expect(commit.status).toBe(200);
    expect(await log.committedOffset('trigger-a', topic)).toBe(1);
    expect((await app.request('/apis/tide.dev/v1/log/default.orders/end')).status).toBe(404);
  });
});
