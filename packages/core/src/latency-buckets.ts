/**
 * Call latencies as counts per bucket, so that the reports of several gateways and several seconds
 * add up (a percentile of percentiles would not). Bucket i holds latencies up to
 * FIRST_BUCKET_MS × GROWTH^i: each bucket is 20 % wider than the one before, so a percentile read
 * from them is within 20 % of the true value (0.1 ms → 60 s takes 73 buckets, and a report names
 * only the buckets it uses).
 */
export type LatencyBuckets = Record<string, number>;

const FIRST_BUCKET_MS = 0.1;
const GROWTH = 1.2;
const LOG_GROWTH = Math.log(GROWTH);
/** 1.2^100 × 0.1 ms ≈ 8 h: anything slower lands in the last bucket. */
const LAST_BUCKET = 100;

/** The bucket a latency falls in: the first whose upper bound is at least `ms`. */
export function latencyBucketOf(ms: number): number {
  if (!(ms > FIRST_BUCKET_MS)) return 0;
  return Math.min(LAST_BUCKET, Math.ceil(Math.log(ms / FIRST_BUCKET_MS) / LOG_GROWTH - 1e-9));
}

/** The largest latency bucket `index` holds, in ms. */
export function latencyBucketUpperMs(index: number): number {
  return FIRST_BUCKET_MS * GROWTH ** index;
}

/** Counts one latency into `buckets` (mutated: the gateway's hot path builds no new object per call). */
export function countLatency(buckets: Map<number, number>, ms: number): void {
  const bucket = latencyBucketOf(ms);
  buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
}

/** The sum of several bucket counts, as a new object. */
export function mergeLatencyBuckets(all: readonly (LatencyBuckets | undefined)[]): LatencyBuckets {
  const merged: LatencyBuckets = {};
  for (const buckets of all) {
    for (const [bucket, count] of Object.entries(buckets ?? {})) merged[bucket] = (merged[bucket] ?? 0) + count;
  }
  return merged;
}

/**
 * The latency below which a fraction `q` (0..1) of the counted calls fell, as the upper bound of
 * the bucket that holds that rank (so never lower than the truth); undefined when nothing was counted.
 */
export function latencyQuantileMs(buckets: LatencyBuckets, q: number): number | undefined {
  const entries = Object.entries(buckets)
    .map(([bucket, count]) => [Number(bucket), count] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return undefined;
  // The rank of the q-th call, 1-based: p50 of 4 calls is the 2nd, p99 of 4 the 4th.
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bucket, count] of entries) {
    seen += count;
    if (seen >= rank) return latencyBucketUpperMs(bucket);
  }
  return latencyBucketUpperMs(entries.at(-1)![0]);
}
