import { describe, expect, it } from 'vitest';
import { offsetForTime, type StampedOffset } from './offset-for-time.js';

/** A partition of records stamped `stamps`, at `offsets` (dense from 0 unless given). */
const partition = (stamps: number[], offsets = stamps.map((_, i) => i)) => {
  const records: StampedOffset[] = stamps.map((timestamp, i) => ({ offset: offsets[i]!, timestamp }));
  const end = records.length === 0 ? 0 : records.at(-1)!.offset + 1;
  let reads = 0;
  return {
    end,
    reads: () => reads,
    recordFrom: async (offset: number) => {
      reads++;
      return records.find((r) => r.offset >= offset);
    },
  };
};

describe('offsetForTime', () => {
  it('finds the first record stamped at or after the time, the first of several with the same stamp', async () => {
    const p = partition([10, 20, 20, 20, 30, 40]);
    expect(await offsetForTime(p.end, 20, p.recordFrom)).toBe(1);
    expect(await offsetForTime(p.end, 21, p.recordFrom)).toBe(4);
    expect(await offsetForTime(p.end, 5, p.recordFrom)).toBe(0);
  });

  it('answers the end when every record is older, and 0 on an empty partition', async () => {
    const p = partition([10, 20, 30]);
    expect(await offsetForTime(p.end, 31, p.recordFrom)).toBe(3);
    const empty = partition([]);
    expect(await offsetForTime(empty.end, 1, empty.recordFrom)).toBe(0);
  });

  it('steps over offsets the log no longer holds', async () => {
    const p = partition([10, 20, 30, 40], [0, 5, 6, 12]);
    expect(await offsetForTime(p.end, 25, p.recordFrom)).toBe(6);
    expect(await offsetForTime(p.end, 35, p.recordFrom)).toBe(7);
    expect(await offsetForTime(p.end, 15, p.recordFrom)).toBe(1);
  });

  it('reads a number of records logarithmic in the partition, not all of them', async () => {
    const p = partition(Array.from({ length: 100_000 }, (_, i) => i));
    expect(await offsetForTime(p.end, 77_777, p.recordFrom)).toBe(77_777);
    expect(p.reads()).toBeLessThanOrEqual(17);
  });
});
