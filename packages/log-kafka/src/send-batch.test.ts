import { describe, expect, it } from 'vitest';
import { appendsPerSend, offsetsOf } from './send-batch.js';

const limits = { maxRecords: 10, maxBytes: 1000 };
const q = (...sizes: [number, number][]) => sizes.map(([records, bytes]) => ({ records, bytes }));

describe('appendsPerSend', () => {
  it.each([
    ['an empty queue sends nothing', q(), 0],
    ['one append goes alone', q([3, 30]), 1],
    ['everything that fits goes together', q([3, 30], [3, 30], [4, 40]), 3],
    ['stops before the append that would pass the record limit', q([3, 30], [3, 30], [5, 50]), 2],
    ['stops before the append that would pass the byte limit', q([1, 600], [1, 500], [1, 10]), 1],
    ['sends an oversized append alone rather than never', q([50, 5000], [1, 1]), 1],
    ['keeps call order: a small append behind a blocked one waits', q([1, 100], [1, 950], [1, 1]), 1],
  ])('%s', (_name, queue, expected) => {
    expect(appendsPerSend(queue, limits)).toBe(expected);
  });
});

describe('offsetsOf', () => {
  it('hands each append its contiguous slice of offsets from the base, in call order', () => {
    expect(offsetsOf(7, [2, 0, 3])).toEqual([[7, 8], [], [9, 10, 11]]);
  });
});
