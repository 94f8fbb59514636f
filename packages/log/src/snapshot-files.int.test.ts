import { afterEach, describe, expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { openSnapshotFiles } from './snapshot-files.js';

let dir: Awaited<ReturnType<typeof makeTempDir>> | undefined;
afterEach(async () => dir?.remove());

describe('snapshot files', () => {
  it('loads the newest snapshot not past the given offset, and keeps only the newest few', async () => {
    dir = await makeTempDir();
    const snapshots = await openSnapshotFiles(dir.path, { keep: 2 });
    for (const offset of [10, 20, 30]) await snapshots.save(offset, new TextEncoder().encode(`state at ${offset}`));
    expect(await snapshots.list()).toEqual([20, 30]);
    expect(new TextDecoder().decode((await snapshots.load())!.bytes)).toBe('state at 30');
    expect((await snapshots.load(25))!.offset).toBe(20);
    expect(await snapshots.load(5)).toBeUndefined();
    expect((await readdir(dir.path)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await snapshots.discardFrom(25)).toEqual([30]);
    expect(await snapshots.list()).toEqual([20]);
  });

  it('skips a damaged snapshot with a warning and falls back to an older one', async () => {
    dir = await makeTempDir();
    const warnings: string[] = [];
    const snapshots = await openSnapshotFiles(dir.path, { onWarning: (w) => warnings.push(w) });
    await snapshots.save(10, new TextEncoder().encode('good'));
    await snapshots.save(20, new TextEncoder().encode('will be damaged'));
    await writeFile(join(dir.path, `state-${'20'.padStart(20, '0')}.snap`), 'garbage!');
    expect((await snapshots.load())!.offset).toBe(10);
    expect(warnings[0]).toMatch(/damaged/);
  });
});
