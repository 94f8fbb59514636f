import { describe, expect, it } from 'vitest';
import { replicasAt, summarize } from './autoscale-replay-timeline.js';

// 1 pod from 0 s, 2 from 2 s, 4 from 4 s, back to 4 (no change) at 5 s, 1 from 8 s
const timeline = [
  { at: 0, replicas: 1 },
  { at: 2_000, replicas: 2 },
  { at: 4_000, replicas: 4 },
  { at: 5_000, replicas: 4 },
  { at: 8_000, replicas: 1 },
];

describe('a replayed timeline', () => {
  it.each([
    [-1, 0],
    [0, 1],
    [3_999, 2],
    [4_000, 4],
    [60_000, 1],
  ])('holds each decision until the next: at %i ms, %i pods', (at, expected) => {
    expect(replicasAt(timeline, at, 0)).toBe(expected);
  });

  it('sums pod-seconds over the time each count held, counting only real changes', () => {
    // 1×2 s + 2×2 s + 4×4 s + 1×2 s = 24
    expect(summarize(timeline, 10_000)).toEqual({ peak: 4, podSeconds: 24, changes: 3 });
  });
});
