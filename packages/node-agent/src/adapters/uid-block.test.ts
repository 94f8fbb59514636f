import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimUidBlock, SANDBOX_UID_BASE, UID_BLOCK_SIZE, UID_BLOCKS } from './uid-block.js';

let dir: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => (dir = await makeTempDir('tide-uid-blocks-')));
afterEach(() => dir.remove());

describe('claimUidBlock', () => {
  it('gives two agents of one machine blocks apart, each of its own uids', () => {
    const a = claimUidBlock('/data/a', dir.path);
    const b = claimUidBlock('/data/a', dir.path); // even for the same data directory: one holder per block
    expect(a.index).not.toBe(b.index);
    for (const block of [a, b]) {
      expect(block.first).toBe(SANDBOX_UID_BASE + block.index * UID_BLOCK_SIZE);
      expect(block.last - block.first + 1).toBe(UID_BLOCK_SIZE);
    }
  });

  it('takes over the block of an agent that is gone, and gives a block back on release', () => {
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const first = claimUidBlock('/data/x', dir.path);
    first.release();
    writeFileSync(join(dir.path, `block-${first.index}`), JSON.stringify({ pid: Number(gone.stdout.trim()), started: '1' }));
    expect(claimUidBlock('/data/x', dir.path).index).toBe(first.index);
  });

  it('says so when every block is held by a live agent', () => {
    const held = Array.from({ length: UID_BLOCKS }, (_, i) => claimUidBlock(`/data/${i}`, dir.path));
    expect(new Set(held.map((b) => b.index)).size).toBe(UID_BLOCKS);
    expect(() => claimUidBlock('/data/one-more', dir.path)).toThrow(/every one of the 60 blocks of sandbox uids .* is held by a live agent/);
    for (const block of held) block.release();
    expect(readdirSync(dir.path)).toEqual([]);
  });
});
