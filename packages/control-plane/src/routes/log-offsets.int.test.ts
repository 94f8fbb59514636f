import { join } from 'node:path';
import { openStateStore } from '@tide/core';
import { openEmbeddedLog } from '@tide/log';
import { makeTempDir } from '@tide/testkit/testing';
import { describe, expect, it } from 'vitest';
import { openArtifactStore } from '../adapters/artifact-store.js';
import { createControlPlaneApp } from '../app.js';

describe('the log API', () => {
  // Found by the API fuzz: a whole number past 2^53 passed the check and broke the stream after its 200.
  it('refuses a from offset no log can hold (past Number.MAX_SAFE_INTEGER) with 400, before streaming', async () => {
    const dir = await makeTempDir();
    const log = await openEmbeddedLog(join(dir.path, 'log'), { fsync: false });
    const store = await openStateStore({ log });
    try {
      const app = createControlPlaneApp({
        store,
        log,
        artifacts: await openArtifactStore(join(dir.path, 'artifacts')),
        limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 },
      });
      const res = await app.request('/apis/tide.dev/v1/log/tide.state?from=9007199254740993');
      expect(res.status, await res.clone().text()).toBe(400);
      expect(((await res.json()) as { details: { causes: { field: string }[] } }).details.causes[0]!.field).toBe('from');
    } finally {
      await store.close();
      await log.close();
      await dir.remove();
    }
  });
});
