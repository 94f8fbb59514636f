import { describe, expect, it } from 'vitest';
import { accepted, rejected } from '../state.js';
import { createRecentVerdicts } from './recent-verdicts.js';

describe('recent verdicts', () => {
  it('answers for the last offsets folded and forgets older ones', () => {
    const verdicts = createRecentVerdicts(3);
    const conflict = rejected('conflict', 'stale');
    for (let offset = 0; offset < 5; offset++) verdicts.set(offset, offset === 3 ? conflict : accepted);
    expect([0, 1, 2, 3, 4].map((offset) => verdicts.get(offset))).toEqual([undefined, undefined, accepted, conflict, accepted]);
  });

  it('knows nothing of offsets never folded, before or after', () => {
    const verdicts = createRecentVerdicts(3);
    verdicts.set(7, accepted);
    expect([verdicts.get(4), verdicts.get(10), verdicts.get(-1), verdicts.get(7)]).toEqual([undefined, undefined, undefined, accepted]);
  });

  it('forgets everything when cleared (the log lost its history)', () => {
    const verdicts = createRecentVerdicts(3);
    verdicts.set(0, accepted);
    verdicts.clear();
    expect(verdicts.get(0)).toBeUndefined();
  });
});
