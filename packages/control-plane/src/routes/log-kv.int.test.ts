import { encodeKvRecord, KV_TOPIC, openStateStore } from '@tide/core';
import { createMemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { describe, expect, it } from 'vitest';
import { openArtifactStore } from '../adapters/artifact-store.js';
import { createControlPlaneApp } from '../app.js';

describe('the log API for node agents on other machines', () => {
  it('serves the KV topic, so a remote node can follow it and append its pods’ KV writes', async () => {
    const dir = await makeTempDir();
    const log = createMemoryLog();
    const store = await openStateStore({ log });
    try {
      const app = createControlPlaneApp({
        store,
        log,
        artifacts: await openArtifactStore(dir.path),
        limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 },
      });
      const value = Buffer.from(encodeKvRecord({ namespace: 'default', kv: 'my-kv', key: 'a', value: 'dg==' })).toString('base64');
      const res = await app.request(`/apis/tide.dev/v1/log/${KV_TOPIC}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: [{ key: 'default/my-kv/a', value }] }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await log.endOffset(KV_TOPIC)).toBe(1);
    } finally {
      await store.close();
      await log.close();
      await dir.remove();
    }
  });
});
