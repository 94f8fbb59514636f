import { openStateStore, type StateStore } from '@tide/core';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openArtifactStore } from './adapters/artifact-store.js';
import { createControlPlaneApp } from './app.js';

let log: MemoryLog;
let store: StateStore;
let dir: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  dir = await makeTempDir();
  log = createMemoryLog();
  store = await openStateStore({ log });
  await store.append([{ type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
});
afterEach(async () => {
  await store.close();
  await log.close();
  await dir.remove();
});

describe('manifests nested deeper than any manifest is', () => {
  it.each([
    ['flow', `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}`],
    ['block', `a:\n${Array.from({ length: 1_000 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}x`],
  ])('a %s YAML body nested 1 000s deep is a 400, on every route that reads a manifest', async (_, body) => {
    const app = createControlPlaneApp({ store, log, artifacts: await openArtifactStore(dir.path), limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 } });
    for (const [method, path] of [
      ['POST', '/apis/tide.dev/v1/namespaces/default/functions/hello/rollback'],
      ['PUT', '/apis/tide.dev/v1/namespaces/fuzz'],
      ['PUT', '/apis/tide.dev/v1/namespaces/default/functions/hello'],
      ['POST', '/apis/tide.dev/v1/namespaces/default/triggers'],
    ] as const) {
      const res = await app.request(path, { method, headers: { 'content-type': 'application/yaml' }, body });
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(400);
    }
  });
});
