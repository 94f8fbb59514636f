import { DEFAULT_ASYNC_SPEC } from '@tide/core';
import { describe, expect, it } from 'vitest';
import { expired, nextStep } from './next-step.js';

const T0 = 1_000_000;
const answer = (status: number) => ({ kind: 'answer' as const, status });

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
    expect(nextStep(outcome, attempts, DEFAULT_ASYNC_SPEC, T0, T0)).toEqual(expected);
  });

  it('dead-letters once the retries are spent, saying why', () => {
    expect(nextStep(answer(502), 3, DEFAULT_ASYNC_SPEC, T0, T0)).toEqual({ kind: 'dead-letter', reason: '3 attempts, the last: status 502 (maxRetries 2)' });
    expect(nextStep(answer(502), 1, { ...DEFAULT_ASYNC_SPEC, maxRetries: 0 }, T0, T0).kind).toBe('dead-letter');
  });

  it('dead-letters when the next attempt would start past maxEventAgeSeconds', () => {
    const policy = { ...DEFAULT_ASYNC_SPEC, maxEventAgeSeconds: 60 };
    expect(nextStep(answer(500), 1, policy, T0, T0 + 59_500).kind).toBe('dead-letter');
    expect(nextStep(answer(500), 1, policy, T0, T0 + 58_000).kind).toBe('retry');
  });

  it('doubles the delay from retryDelaySeconds', () => {
    const policy = { ...DEFAULT_ASYNC_SPEC, maxRetries: 5, retryDelaySeconds: 0.5 };
    expect([1, 2, 3, 4].map((n) => (nextStep(answer(500), n, policy, T0, T0) as { afterMs: number }).afterMs)).toEqual([500, 1000, 2000, 4000]);
  });

  it('calls a call expired once older than maxEventAgeSeconds', () => {
    expect(expired(DEFAULT_ASYNC_SPEC, T0, T0 + 21_600_001)).toBe(true);
    expect(expired(DEFAULT_ASYNC_SPEC, T0, T0 + 21_600_000)).toBe(false);
  });
});
