import { afterEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createMemoryLog } from '@tide/log/testing';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { openArtifactStore } from './artifact-store.js';
import { replicateArtifacts } from './replicated-artifacts.js';

const dirs: Awaited<ReturnType<typeof makeTempDir>>[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await dir.remove();
});

describe('artifacts replicated through the log', () => {
  it('makes an artifact uploaded to one control plane available at another, in chunks, byte for byte', async () => {
    const log = createMemoryLog();
    const [a, b] = [await makeTempDir(), await makeTempDir()];
    dirs.push(a, b);
    const first = await replicateArtifacts(await openArtifactStore(a.path), log);
    const second = await replicateArtifacts(await openArtifactStore(b.path), log);
    const bytes = Buffer.alloc(1_300_000, 7);
    bytes.write('export default {}');
    const { digest } = await first.put(Readable.from([bytes]), 10_000_000);
    expect(log.records('tide.artifacts')).toHaveLength(3);
    await eventually(async () => expect(await second.has(digest)).toBe(true), { timeoutMs: 5000 });
    expect((await second.read(digest)).equals(bytes)).toBe(true);
    await first.close();
    await second.close();
  });

  it('replaces a local copy changed on disk with the checked one from the log', async () => {
    const log = createMemoryLog();
    const [a, b] = [await makeTempDir(), await makeTempDir()];
    dirs.push(a, b);
    const first = await replicateArtifacts(await openArtifactStore(a.path), log);
    const bytes = Buffer.from('export default { fetch: () => new Response("genuine") };');
    const { digest } = await first.put(Readable.from([bytes]), 10_000, { namespace: 'team' });
    // The second control plane's disk already holds a file of that name with other bytes.
    const local = await openArtifactStore(b.path);
    await writeFile(local.pathOf(digest), 'export default { fetch: () => new Response("tampered") };');
    const errors: Error[] = [];
    const second = await replicateArtifacts(local, log, (error) => errors.push(error));
    await eventually(async () => expect((await second.read(digest)).equals(bytes)).toBe(true), { timeoutMs: 5000 });
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining(`artifact ${digest} in ${local.pathOf(digest)} does not match its digest`)]);
    expect(await second.bytesOf('team')).toBe(bytes.length);
    await first.close();
    await second.close();
  });
});
