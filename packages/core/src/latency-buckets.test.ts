import { describe, expect, it } from 'vitest';
import { countLatency, latencyBucketOf, latencyBucketUpperMs, latencyQuantileMs, mergeLatencyBuckets } from './latency-buckets.js';

describe('latency buckets', () => {
  it.each([0, 0.05, 0.1, 0.11, 1, 3.7, 250, 10_000])('puts %f ms in a bucket whose bounds hold it, within 20 %', (ms) => {
    const bucket = latencyBucketOf(ms);
    expect(latencyBucketUpperMs(bucket)).toBeGreaterThanOrEqual(ms);
    if (bucket > 0) expect(latencyBucketUpperMs(bucket - 1)).toBeLessThan(ms);
    if (ms > 0.1) expect(latencyBucketUpperMs(bucket)).toBeLessThanOrEqual(ms * 1.2 + 1e-9);
  });

  it('keeps latencies beyond hours in the last bucket', () => {
    expect(latencyBucketOf(1e12)).toBe(latencyBucketOf(1e13));
  });

  it('reads percentiles from counted calls: 98 fast and 2 slow', () => {
    const buckets = new Map<number, number>();
    for (let i = 0; i < 98; i++) countLatency(buckets, 2);
    countLatency(buckets, 800);
    countLatency(buckets, 900);
    const counts = Object.fromEntries(buckets);
    expect(latencyQuantileMs(counts, 0.5)).toBeCloseTo(2, 0);
    expect(latencyQuantileMs(counts, 0.98)).toBeLessThan(2.4);
    expect(latencyQuantileMs(counts, 0.99)).toBeGreaterThanOrEqual(800);
    expect(latencyQuantileMs(counts, 0.99)).toBeLessThan(960);
  });

  it('has no percentile when nothing was counted', () => {
    expect(latencyQuantileMs({}, 0.5)).toBeUndefined();
    expect(latencyQuantileMs({ '3': 0 }, 0.99)).toBeUndefined();
  });

  it('adds the counts of several reports, so two gateways make one distribution', () => {
    const one = { [latencyBucketOf(1)]: 50 };
    const other = { [latencyBucketOf(100)]: 50, [latencyBucketOf(1)]: 1 };
    const merged = mergeLatencyBuckets([one, undefined, other]);
    expect(merged[latencyBucketOf(1)]).toBe(51);
    expect(latencyQuantileMs(merged, 0.5)).toBeLessThan(1.2);
    expect(latencyQuantileMs(merged, 0.9)).toBeGreaterThanOrEqual(100);
  });
});
