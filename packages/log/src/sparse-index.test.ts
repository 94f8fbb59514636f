import { describe, expect, it } from 'vitest';
import { SparseIndex } from './sparse-index.js';

describe('sparse index', () => {
  it('keeps one entry per interval of bytes and finds the nearest one at or before an offset', () => {
    const index = new SparseIndex(100);
    // 40-byte records: entries land at records 0, 3 (120 bytes), 6 (240), 9 (360).
    for (let i = 0; i < 10; i++) index.note(i, i * 40);
    expect(index.size).toBe(4);
    expect(index.floor(0)).toEqual({ relativeOffset: 0, position: 0 });
    expect(index.floor(2)).toEqual({ relativeOffset: 0, position: 0 });
    expect(index.floor(3)).toEqual({ relativeOffset: 3, position: 120 });
    expect(index.floor(8)).toEqual({ relativeOffset: 6, position: 240 });
    expect(index.floor(1000)).toEqual({ relativeOffset: 9, position: 360 });
  });

  it('points an empty index at the segment start', () => {
    expect(new SparseIndex().floor(5)).toEqual({ relativeOffset: 0, position: 0 });
  });
});
