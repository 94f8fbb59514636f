import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionOfKey } from './murmur2.js';

// kafkajs's own implementation (a Long-based port of the Java client's), the reference we must equal.
const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: string) => number;

describe('murmur2', () => {
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %s as the Java client does', (key, expected) => {
    expect(murmur2(key)).toBe(expected);
  });

  it('equals kafkajs on every key length and on non-ASCII keys', () => {
    const keys = ['', 'a', 'ab', 'abc', 'abcd', 'person-17', 'clé-🔑', ...Array.from({ length: 200 }, (_, i) => `key-${i * 7919}`)];
    for (const key of keys) expect([key, murmur2(key)]).toEqual([key, kafkajsMurmur2(key)]);
  });

  it('picks a partition in range, the same one for the same key', () => {
    for (let i = 0; i < 100; i++) {
      const p = partitionOfKey(`k${i}`, 4);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(4);
      expect(partitionOfKey(`k${i}`, 4)).toBe(p);
    }
  });
});
