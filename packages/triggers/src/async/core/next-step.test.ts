import { DEFAULT_ASYNC_SPEC } from '@tide/core';
import { describe, expect, it } from 'vitest';
import { expired, nextStep } from './next-step.js';

const T0 = 1_000_000;
const answer = (status: number) => ({ kind: 'answer' as const, status });
const failed = (failures: number) => ({ failures, throttles: 0 });

describe('nextStep after an attempt (Lambda defaults: 2 retries)', () => {
  it.each([
    [answer(200), 1, { kind: 'succeeded' }],
    [answer(204), 3, { kind: 'succeeded' }],
    [answer(400), 1, { kind: 'failed' }],
    [answer(404), 1, { kind: 'failed' }],
    [answer(500), 1, { kind: 'retry', afterMs: 1000 }],
    [answer(503), 2, { kind: 'retry', afterMs: 2000 }],
    [answer(429), 1, { kind: 'retry', afterMs: 1000 }],
    [answer(408), 1, { kind: 'retry', afterMs: 1000 }],
    [{ kind: 'no-answer' as const, error: 'socket hang up' }, 1, { kind: 'retry', afterMs: 1000 }],
  ])('%o on attempt %i → %o', (outcome, attempts, expected) => {
    expect(nextStep(outcome, { failures: attempts, throttles: 0 }, DEFAULT_ASYNC_SPEC, T0, T0)).toEqual(expected);
  });

  it('dead-letters once the retries are spent, saying why', () => {
    expect(nextStep(answer(502), failed(3), DEFAULT_ASYNC_SPEC, T0, T0)).toEqual({
      kind: 'dead-letter',
      reason: '3 failed attempts, the last: status 502 (maxRetries 2)',
    });
    expect(nextStep(answer(502), failed(1), { ...DEFAULT_ASYNC_SPEC, maxRetries: 0 }, T0, T0).kind).toBe('dead-letter');
  });

  it('dead-letters when the next attempt would start past maxEventAgeSeconds', () => {
    const policy = { ...DEFAULT_ASYNC_SPEC, maxEventAgeSeconds: 60 };
    expect(nextStep(answer(500), failed(1), policy, T0, T0 + 59_500).kind).toBe('dead-letter');
    expect(nextStep(answer(500), failed(1), policy, T0, T0 + 58_000).kind).toBe('retry');
  });

  it('doubles the delay from retryDelaySeconds', () => {
    const policy = { ...DEFAULT_ASYNC_SPEC, maxRetries: 5, retryDelaySeconds: 0.5 };
    expect([1, 2, 3, 4].map((n) => (nextStep(answer(500), failed(n), policy, T0, T0) as { afterMs: number }).afterMs)).toEqual([500, 1000, 2000, 4000]);
  });

  it("spends no retry on a throttled attempt (the gateway's own 503/429), backing off up to 30 s until the max age", () => {
    const throttled = { kind: 'answer' as const, status: 503, throttled: true };
    expect(nextStep(throttled, { failures: 3, throttles: 1 }, DEFAULT_ASYNC_SPEC, T0, T0)).toEqual({ kind: 'retry', afterMs: 1000 });
    expect(nextStep(throttled, { failures: 0, throttles: 10 }, DEFAULT_ASYNC_SPEC, T0, T0)).toEqual({ kind: 'retry', afterMs: 30_000 });
    expect(nextStep(throttled, { failures: 0, throttles: 1 }, { ...DEFAULT_ASYNC_SPEC, maxEventAgeSeconds: 60 }, T0, T0 + 59_500).kind).toBe('dead-letter');
  });

  it('calls a call expired once older than maxEventAgeSeconds', () => {
    expect(expired(DEFAULT_ASYNC_SPEC, T0, T0 + 21_600_001)).toBe(true);
    expect(expired(DEFAULT_ASYNC_SPEC, T0, T0 + 21_600_000)).toBe(false);
  });
});
