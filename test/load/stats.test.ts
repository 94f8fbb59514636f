import { describe, expect, it } from 'vitest';
import { errorCounts, isSuccess, percentile, perSecond, summarizeLatency } from './stats.js';

describe('percentile (nearest rank)', () => {
  it.each([
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.1, 1],
    [[7], 0.99, 7],
    [[1, 2], 0, 1],
    [[1, 2], 1, 2],
  ])('of %j at %d is %d', (sorted, q, expected) => {
    expect(percentile(sorted, q)).toBe(expected);
  });

  it('is NaN for no samples', () => {
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('takes the 4 950th of 5 000 samples as p99', () => {
    const samples = Array.from({ length: 5000 }, (_, i) => i + 1);
    expect(percentile(samples, 0.99)).toBe(4950);
  });
});

describe('summarizeLatency', () => {
  it('sorts unordered samples before taking p50, p95, p99 and max', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    expect(summarizeLatency(samples)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });
});

describe('errors', () => {
  it('counts non-2xx/3xx statuses and transport error codes', () => {
    expect(errorCounts([200, 503, 'ECONNRESET', 503, 204, 302, 'UND_ERR_HEADERS_TIMEOUT', 503])).toEqual({ 503: 3, ECONNRESET: 1, UND_ERR_HEADERS_TIMEOUT: 1 });
    expect(errorCounts([200, 201])).toEqual({});
  });

  it.each([
    [200, true],
    [302, true],
    [404, false],
    [503, false],
    ['ECONNRESET', false],
  ] as const)('treats %s as success: %s', (outcome, ok) => {
    expect(isSuccess(outcome)).toBe(ok);
  });
});

describe('perSecond', () => {
  it('buckets requests by the second they started in, leaving idle seconds out', () => {
    const records = [
      { startMs: 100, latencyMs: 50, outcome: 200 },
      { startMs: 900, latencyMs: 70, outcome: 200 },
      { startMs: 999, latencyMs: 60, outcome: 503 },
      { startMs: 3_000, latencyMs: 2_000, outcome: 200 },
    ];
    expect(perSecond(records)).toEqual([
      { second: 0, requests: 3, errors: 1, p50Ms: 60, p99Ms: 70 },
      { second: 3, requests: 1, errors: 0, p50Ms: 2_000, p99Ms: 2_000 },
    ]);
  });
});
