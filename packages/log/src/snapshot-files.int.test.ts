import { afterEach, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
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

  it('writes chunks as they come, and a snapshot whose chunks fail leaves no file and the older one loadable', async () => {
    dir = await makeTempDir();
    const snapshots = await openSnapshotFiles(dir.path);
    const encoder = new TextEncoder();
    async function* streamed(parts: string[], failAfter = Infinity) {
      for (const [index, part] of parts.entries()) {
        if (index >= failAfter) throw new Error('the encoder gave up');
        await new Promise<void>((resolve) => setImmediate(resolve));
        yield encoder.encode(part);
      }
    }
    await snapshots.save(10, streamed(['state ', 'at ', '10']));
    expect(new TextDecoder().decode((await snapshots.load())!.bytes)).toBe('state at 10');
    await expect(snapshots.save(20, streamed(['state ', 'at ', '20'], 2))).rejects.toThrow(/gave up/);
    expect(await readdir(dir.path)).toEqual([`state-${'10'.padStart(20, '0')}.snap`]);
    expect((await snapshots.load())!.offset).toBe(10);
  });

  it('refuses a snapshot cut short after its header was written (the checksum covers every chunk)', async () => {
    dir = await makeTempDir();
    const warnings: string[] = [];
    const snapshots = await openSnapshotFiles(dir.path, { onWarning: (w) => warnings.push(w) });
    await snapshots.save(30, [new TextEncoder().encode('first half, '), new TextEncoder().encode('second half')]);
    const file = join(dir.path, `state-${'30'.padStart(20, '0')}.snap`);
    const whole = await readFile(file);
    expect(new TextDecoder().decode(whole.subarray(4))).toBe('first half, second half');
    await writeFile(file, whole.subarray(0, whole.length - 5));
    expect(await snapshots.load()).toBeUndefined();
    expect(warnings[0]).toMatch(/damaged/);
  });
});
