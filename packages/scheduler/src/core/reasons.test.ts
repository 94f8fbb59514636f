import { describe, expect, it } from 'vitest';
import { MAX_REASON_CHARS, MAX_REASONS, summariseReasons } from './reasons.js';

describe('summariseReasons', () => {
  it('keeps up to 100 per-node reasons as they are', () => {
    const reasons = Array.from({ length: MAX_REASONS }, (_, i) => `node n${i}: not ready`);
    expect(summariseReasons(reasons)).toEqual(reasons);
  });

  it('counts more than 100 by kind, most common first', () => {
    const reasons = [
      ...Array.from({ length: 150 }, (_, i) => `node m${i}: insufficient memory (${i} MB free, 1024 MB asked)`),
      ...Array.from({ length: 40 }, (_, i) => `node r${i}: not ready`),
      ...Array.from({ length: 40 }, (_, i) => `node c${i}: cordoned`),
    ];
    expect(summariseReasons(reasons)).toEqual(['0/230 nodes are available', '150 nodes: insufficient memory', '40 nodes: cordoned', '40 nodes: not ready']);
  });

  it('clips a reason longer than an event allows', () => {
    const [clipped] = summariseReasons([`node a: ${'x'.repeat(1000)}`]);
    expect(clipped).toHaveLength(MAX_REASON_CHARS);
    expect(clipped!.endsWith('…')).toBe(true);
  });
});
