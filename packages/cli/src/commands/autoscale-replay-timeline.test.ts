import { describe, expect, it } from 'vitest';
import { sideBySide, summarize } from './autoscale-replay-timeline.js';

// 1 pod from 0 s, 2 from 2 s, 4 from 4 s, back to 4 (no change) at 5 s, 1 from 8 s
const timeline = [
  { at: 0, replicas: 1 },
  { at: 2_000, replicas: 2 },
  { at: 4_000, replicas: 4 },
  { at: 5_000, replicas: 4 },
  { at: 8_000, replicas: 1 },
];

describe('a replayed timeline', () => {
  it('puts the two side by side, a row for every change, decisions of one moment included', () => {
    const whatIf = [
      { at: 0, replicas: 1, reason: 'from zero' },
      { at: 4_000, replicas: 2, reason: 'stable' },
      { at: 10_000, replicas: 2, reason: 'stable' },
    ];
    // now goes 2 → 4 → 6 at 4 s (three decisions read in one go)
    const now = [
      { at: 0, replicas: 1 },
      { at: 4_000, replicas: 2 },
      { at: 4_000, replicas: 4 },
      { at: 4_000, replicas: 6 },
    ];
    expect(sideBySide(now, whatIf, 0).map((r) => `${r.at / 1000}s ${r.now}/${r.whatIf}`)).toEqual([
      '0s 1/0',
      '0s 1/1',
      '4s 2/1',
      '4s 4/1',
      '4s 6/1',
      '4s 6/2',
      '10s 6/2',
    ]);
    expect(sideBySide(now, whatIf, 0).map((r) => r.why)).toEqual(['', 'from zero', '', '', '', 'stable', 'stable']);
  });

  it('sums pod-seconds over the time each count held, counting only real changes', () => {
    // 1×2 s + 2×2 s + 4×4 s + 1×2 s = 24
    expect(summarize(timeline, 10_000)).toEqual({ peak: 4, podSeconds: 24, changes: 3 });
  });
});
