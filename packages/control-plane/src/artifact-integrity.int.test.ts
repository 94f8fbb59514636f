import { chmod, stat, utimes, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore, type StateStore } from '@tide/core';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';
import { createControlPlaneApp } from './app.js';
import { openArtifactStore, type ArtifactStore } from './adapters/artifact-store.js';

let log: MemoryLog;
let store: StateStore;
let artifacts: ArtifactStore;
let app: ReturnType<typeof createControlPlaneApp>;
let dir: Awaited<ReturnType<typeof makeTempDir>>;

const GENUINE = 'export default { fetch: () => new Response("genuine") };';
const TAMPERED = 'export default { fetch: () => new Response("TAMPERD") };';

async function upload(bytes: string | Uint8Array, path = '/apis/tide.dev/v1/artifacts') {
  const res = await app.request(path, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  return { status: res.status, body: (await res.json()) as { digest: string; size: number; message: string; reason: string } };
}

/** What a pod with write access to the data directory does: same length, mtime set back. */
async function tamper(file: string, bytes: string) {
  const before = await stat(file);
  await chmod(file, 0o644);
  await writeFile(file, bytes);
  await chmod(file, 0o444);
  await utimes(file, before.atime, before.mtime);
}

beforeEach(async () => {
  dir = await makeTempDir();
  log = createMemoryLog();
  store = await openStateStore({ log });
  await store.append([{ type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } }]);
  artifacts = await openArtifactStore(dir.path);
  app = createControlPlaneApp({ store, log, artifacts, limits: { manifestBytes: 1 << 10, artifactBytes: 1 << 20 } });
});
afterEach(async () => {
  await store.close();
  await log.close();
  await dir.remove();
});

describe('artifact integrity in the control plane', () => {
  it('serves an artifact whose file was changed on disk never: 500 ArtifactCorrupt, without its bytes', async () => {
    const { body } = await upload(GENUINE);
    const url = `/apis/tide.dev/v1/artifacts/${body.digest}`;
    expect(await (await app.request(url)).text()).toBe(GENUINE);
    await tamper(artifacts.pathOf(body.digest), TAMPERED);

    const res = await app.request(url);
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ reason: 'ArtifactCorrupt', message: expect.stringContaining(`artifact ${body.digest} is stored corrupt`) });
    expect(text).not.toContain('TAMPERD');
  });

  it('hands a local node a path only while the file still matches its digest', async () => {
    const { body } = await upload(GENUINE);
    expect(await artifacts.verifiedPath(body.digest)).toBe(artifacts.pathOf(body.digest));
    await tamper(artifacts.pathOf(body.digest), TAMPERED);
    await expect(artifacts.verifiedPath(body.digest)).rejects.toThrow(`artifact ${body.digest} in ${artifacts.pathOf(body.digest)} does not match its digest`);
  });

  it('stores artifacts read-only (0444) in directories that only their owner may write', async () => {
    const { body } = await upload(GENUINE);
    expect((await stat(artifacts.pathOf(body.digest))).mode & 0o777).toBe(0o444);
    expect((await stat(dir.path)).mode & 0o022).toBe(0);
  });
});

describe('per-namespace artifact quota', () => {
  beforeEach(async () => {
    await store.append([{ type: 'NamespaceApplied', data: { name: 'team', labels: {}, annotations: {}, quota: { maxArtifactBytes: 150 } } }]);
  });

  it('refuses an upload past maxArtifactBytes with 403, naming the quota; the same bytes again cost nothing new', async () => {
    const first = await upload('a'.repeat(100), '/apis/tide.dev/v1/namespaces/team/artifacts');
    expect(first.status).toBe(201);
    const second = await upload('b'.repeat(100), '/apis/tide.dev/v1/artifacts?namespace=team');
    expect(second.status).toBe(403);
    expect(second.body.message).toContain('namespace team quota maxArtifactBytes 150 would be exceeded (100 bytes of artifacts stored');
    expect(await artifacts.bytesOf('team')).toBe(100);
    // Without a Content-Length the limit is enforced while streaming.
    const streamed = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('c'.repeat(60)));
        controller.close();
      },
    });
    const res = await app.request('/apis/tide.dev/v1/namespaces/team/artifacts', { method: 'POST', body: streamed, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(403);
    expect(await artifacts.bytesOf('team')).toBe(100);
    expect((await upload('a'.repeat(100), '/apis/tide.dev/v1/namespaces/team/artifacts')).status).toBe(201);
    expect(await artifacts.bytesOf('team')).toBe(100);
  });

  it('lets only one of two racing uploads into room for one', async () => {
    const statuses = await Promise.all(['e', 'f'].map(async (c) => (await upload(c.repeat(100), '/apis/tide.dev/v1/namespaces/team/artifacts')).status));
    expect(statuses.sort()).toEqual([201, 403]);
    expect(await artifacts.bytesOf('team')).toBe(100);
  });

  it('keeps the old route for the default namespace, and refuses an upload to a namespace that does not exist', async () => {
    expect((await upload('b'.repeat(100))).status).toBe(201);
    expect(await artifacts.bytesOf('default')).toBe(100);
    const missing = await upload('x', '/apis/tide.dev/v1/namespaces/nowhere/artifacts');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('namespace nowhere not found');
  });

  it('lets a namespaced upload exceed the manifest limit (artifacts have their own)', async () => {
    await store.append([{ type: 'NamespaceApplied', data: { name: 'big', labels: {}, annotations: {} } }]);
    const res = await upload('d'.repeat(4096), '/apis/tide.dev/v1/namespaces/big/artifacts');
    expect(res.status).toBe(201);
    expect(res.body.size).toBe(4096);
  });
});
