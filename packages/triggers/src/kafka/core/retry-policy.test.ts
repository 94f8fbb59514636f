import { describe, expect, it } from 'vitest';
import { backoffMs, classifyStatus, retryAt, verdictOf } from './retry-policy.js';

describe('what an answer means for a record', () => {
  it.each([
    [200, 'success'],
    [204, 'success'],
    [500, 'retryable'],
    [503, 'retryable'],
    [408, 'retryable'],
    [429, 'retryable'],
    [undefined, 'retryable'],
    [400, 'poison'],
    [404, 'poison'],
    [422, 'poison'],
  ] as const)('status %s is %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });

  it('retries until maxRetries attempts after the first have failed, then dead-letters', () => {
    expect([0, 1, 2, 3].map((failed) => verdictOf('retryable', failed, 3))).toEqual(['retry', 'retry', 'retry', 'dead-letter']);
    expect(verdictOf('retryable', 0, 0)).toBe('dead-letter');
    expect(verdictOf('poison', 0, 3)).toBe('dead-letter');
    expect(verdictOf('success', 3, 3)).toBe('succeeded');
  });

  it('backs off exponentially up to the maximum, longer when the handler asks', () => {
    const backoff = { initialMs: 1000, maxMs: 5000, multiplier: 2 };
    expect([1, 2, 3, 4].map((n) => backoffMs(backoff, n))).toEqual([1000, 2000, 4000, 5000]);
    expect(retryAt(backoff, 1, 10_000)).toBe(11_000);
    expect(retryAt(backoff, 1, 10_000, 30_000)).toBe(40_000);
  });
});
