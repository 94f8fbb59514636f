import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './failure-limiter.js';

describe('FailureLimiter', () => {
  it('blocks an address after its burst of failures, until the rate gives one back; other addresses are not touched', () => {
    let now = 0;
    const limiter = new FailureLimiter({ ratePerSecond: 0.5, burst: 2 }, () => now);
    expect(limiter.blocked('10.0.0.1')).toBeUndefined();
    limiter.failed('10.0.0.1');
    expect(limiter.blocked('10.0.0.1')).toBeUndefined();
    limiter.failed('10.0.0.1');
    // rate 0.5/s: the next failure is allowed in 2 s.
    expect(limiter.blocked('10.0.0.1')).toBe(2);
    expect(limiter.blocked('10.0.0.2')).toBeUndefined();
    now = 2_000;
    expect(limiter.blocked('10.0.0.1')).toBeUndefined();
  });

  it('does not spend a failure by asking', () => {
    const limiter = new FailureLimiter({ ratePerSecond: 0.1, burst: 1 }, () => 0);
    for (let i = 0; i < 5; i += 1) expect(limiter.blocked('a')).toBeUndefined();
    limiter.failed('a');
    expect(limiter.blocked('a')).toBe(10);
  });
});
