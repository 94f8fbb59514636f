import { describe, expect, it } from 'vitest';
import { pickSplit } from './traffic-split.js';

const split = [
  { key: 'blue', percent: 90 },
  { key: 'green', percent: 10 },
];

describe('pickSplit', () => {
  it.each([
    [0, 'blue'],
    [0.8999, 'blue'],
    [0.9, 'green'],
    [0.9999, 'green'],
  ])('sends random %d to %s', (random, key) => {
    expect(pickSplit(split, random)).toBe(key);
  });

  it('skips routes at 0 percent and returns nothing when all are', () => {
    expect(
      pickSplit(
        [
          { key: 'a', percent: 0 },
          { key: 'b', percent: 100 },
        ],
        0,
      ),
    ).toBe('b');
    expect(pickSplit([{ key: 'a', percent: 0 }], 0.5)).toBeUndefined();
  });

  it('splits evenly spread randoms in proportion', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const key = pickSplit(split, i / 1000)!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ blue: 900, green: 100 });
  });
});
