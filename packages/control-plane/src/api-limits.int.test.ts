import { beforeEach, describe, expect, it } from 'vitest';
import { openStateStore, type StateStore } from '@tide/core';
import { newestRules } from '@tide/core/testing';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { createControlPlaneApp } from './app.js';
import { openArtifactStore } from './adapters/artifact-store.js';
import { DEFAULT_PAGE_SIZE } from './core/list-page.js';

// What a caller sees of the API's limits: bodies (413 naming the limit), pages (?limit=&continue=), write rates (429).

const API = '/apis/tide.dev/v1';
const LIMITS = { manifestBytes: 4096, artifactBytes: 1 << 20, logBytes: 8192 };

let log: MemoryLog;
let store: StateStore;
let now = 0;
let app: ReturnType<typeof createControlPlaneApp>;

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ns = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name }, spec });
const message = async (res: Response) => ((await res.json()) as { message: string }).message;

beforeEach(async () => {
  const dir = await makeTempDir();
  log = createMemoryLog();
  store = await openStateStore({ log });
  await store.append([...newestRules(), { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
  now = 0;
  app = createControlPlaneApp({ store, log, artifacts: await openArtifactStore(dir.path), limits: LIMITS }, { nowMs: () => now });
});

describe('a size limit on every API body', () => {
  it('answers 413 naming the limit for a rollback body, a node action and a manifest', async () => {
    const big = { padding: 'x'.repeat(LIMITS.manifestBytes) };
    for (const path of [`${API}/namespaces/default/functions/hello/rollback`, `${API}/nodes/n1/cordon`, `${API}/namespaces/team`]) {
      const res = await app.request(path, json(path.endsWith('team') ? 'PUT' : 'POST', big));
      expect(res.status, path).toBe(413);
      expect(await message(res)).toMatch(/exceeds the limit of 4096 bytes \(manifestBytes\)$/);
    }
  });

  it('answers 413 naming logBytes for a log append past it, before anything is appended', async () => {
    const before = await log.endOffset('tide.metrics');
    const value = Buffer.alloc(LIMITS.logBytes).toString('base64');
    const res = await app.request(`${API}/log/tide.metrics`, json('POST', { records: [{ value }] }));
    expect(res.status).toBe(413);
    expect(await message(res)).toBe(`request body (log records) exceeds the limit of ${LIMITS.logBytes} bytes (logBytes)`);
    expect(await log.endOffset('tide.metrics')).toBe(before);
  });
});

describe('list pagination, as Kubernetes', () => {
  it('serves every namespace once across pages of ?limit=, with metadata.continue until the last', async () => {
    for (let i = 0; i < 5; i++) expect((await app.request(`${API}/namespaces/team-${i}`, json('PUT', ns(`team-${i}`)))).status).toBe(201);
    const seen: string[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const res = await app.request(`${API}/namespaces?limit=2${token ? `&continue=${token}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { metadata: { name: string } }[]; metadata: { continue?: string } };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.metadata.name));
      token = page.metadata.continue;
      if (token === undefined) break;
    }
    expect(seen).toEqual(['default', 'team-0', 'team-1', 'team-2', 'team-3', 'team-4']);
  });

  it('bounds a list with no limit at the default page size', async () => {
    const events = Array.from({ length: DEFAULT_PAGE_SIZE + 1 }, (_, i) => ({
      type: 'NamespaceApplied' as const,
      data: { name: `ns-${String(i).padStart(4, '0')}`, labels: {}, annotations: {} },
    }));
    await store.append(events);
    const page = (await (await app.request(`${API}/namespaces`)).json()) as { items: unknown[]; metadata: { continue?: string; remainingItemCount?: number } };
    expect(page.items).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(page.metadata.continue).toBeDefined();
    expect(page.metadata.remainingItemCount).toBe(2);
  });

  it('answers 400 to a bad limit or a continue token it never gave out', async () => {
    const badLimit = await app.request(`${API}/namespaces/default/functions?limit=0`);
    expect(badLimit.status).toBe(400);
    expect(await message(badLimit)).toMatch(/^limit "0" must be a whole number from 1/);
    const badToken = await app.request(`${API}/pods?continue=garbage`);
    expect(badToken.status).toBe(400);
    expect(await message(badToken)).toBe('continue token "garbage" is not one this pods list gave out');
  });
});

describe('per-namespace write rate limits (quota writesPerSecond)', () => {
  it('answers 429 with Retry-After past the burst, only in that namespace, and again accepts after a refill', async () => {
    expect((await app.request(`${API}/namespaces/team`, json('PUT', ns('team', { quota: { writesPerSecond: 1, writesBurst: 2 } })))).status).toBe(201);
    const write = (namespace: string, i: number) =>
      app.request(
        `${API}/namespaces/${namespace}`,
        json('PUT', ns(namespace, namespace === 'team' ? { quota: { writesPerSecond: 1, writesBurst: 2, maxPods: i } } : {})),
      );
    expect((await write('team', 1)).status).toBe(200);
    expect((await write('team', 2)).status).toBe(200);
    const limited = await write('team', 3);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await message(limited)).toBe('namespace team is over its rate limit of 1 writes per second (quota writesPerSecond, burst 2); retry after 1 s');
    expect((await write('default', 0)).status).toBe(200);
    expect(store.state().namespaces.get('team')?.spec.quota?.maxPods).toBe(2);
    now += 1000;
    expect((await write('team', 4)).status).toBe(200);
  });

  it('leaves reads alone', async () => {
    await app.request(`${API}/namespaces/team`, json('PUT', ns('team', { quota: { writesPerSecond: 0.001, writesBurst: 1 } })));
    for (let i = 0; i < 3; i++) expect((await app.request(`${API}/namespaces/team/functions`)).status).toBe(200);
  });
});

describe('activations pagination', () => {
  it('pages the newest-first list with ?limit= and continue, every activation once', async () => {
    const dir = await makeTempDir();
    const wall = Date.now();
    const records = ['a', 'b', 'c', 'd', 'e'].map(
      (id, i) =>
        [
          id,
          {
            kind: 'activation',
            id,
            namespace: 'default',
            function: 'hello',
            status: 'succeeded',
            attempts: 1,
            queuedAt: wall - 1000 * (i + 1),
            updatedAt: wall,
          },
        ] as const,
    );
    const view = new Map([['default', new Map(records)]]) as unknown as ReturnType<NonNullable<Parameters<typeof createControlPlaneApp>[0]['activations']>>;
    const withActivations = createControlPlaneApp({ store, log, artifacts: await openArtifactStore(dir.path), limits: LIMITS, activations: () => view });
    const seen: string[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const res = await withActivations.request(`${API}/namespaces/default/activations?limit=2${token ? `&continue=${token}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { id: string }[]; metadata: { continue?: string } };
      seen.push(...page.items.map((a) => a.id));
      token = page.metadata.continue;
      if (token === undefined) break;
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('the write rate limit and a path that is not a namespace', () => {
  it('answers a write under a namespace segment that is not valid percent-encoding with a 4xx, not 500', async () => {
    for (const path of [`${API}/namespaces/%E0%80`, `${API}/namespaces/%FF%FE/functions/hello`]) {
      const res = await app.request(path, json('PUT', ns('x')));
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
  });
});
