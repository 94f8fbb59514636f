import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore, type StateStore } from '@tide/core';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { createControlPlaneApp } from './app.js';
import { openArtifactStore } from './adapters/artifact-store.js';
import type { openApiDocument } from './openapi.js';

/** Served by the gateway, not the control plane, but described in the same document for callers. */
const GATEWAY_PATHS = ['/async/{}/{}', '/fn/{}/{}'];
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** A path with its parameters' names dropped: `/a/:ns/b` and `/a/{name}/b` are the same route. */
const shape = (path: string) => path.replace(/:[A-Za-z0-9_]+/g, '{}').replace(/\{[^}]+\}/g, '{}');

let log: MemoryLog;
let store: StateStore;
let dir: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  dir = await makeTempDir();
  log = createMemoryLog();
  store = await openStateStore({ log });
});
afterEach(async () => {
  await store.close();
  await log.close();
  await dir.remove();
});

describe('/openapi.json', () => {
  it('lists every route × method the control plane serves, and nothing it does not (but the gateway routes)', async () => {
    const app = createControlPlaneApp({ store, log, artifacts: await openArtifactStore(dir.path), limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 } });
    const served = new Set(app.routes.filter((r) => METHODS.includes(r.method.toLowerCase())).map((r) => `${r.method.toUpperCase()} ${shape(r.path)}`));
    const res = await app.request('/openapi.json');
    const document = (await res.json()) as ReturnType<typeof openApiDocument>;
    const described = new Set(
      Object.entries(document.paths as Record<string, Record<string, unknown>>)
        .filter(([path]) => !GATEWAY_PATHS.includes(shape(path)))
        .flatMap(([path, item]) =>
          Object.keys(item)
            .filter((m) => METHODS.includes(m))
            .map((m) => `${m.toUpperCase()} ${shape(path)}`),
        ),
    );
    expect([...served].filter((r) => !described.has(r)).sort()).toEqual([]);
    expect([...described].filter((r) => !served.has(r)).sort()).toEqual([]);
  });
});
