/** Order statistics and per-second buckets over request records (pure). */

/** Nearest-rank percentile of ascending `sorted`: p99 of 5 000 samples is the 4 950th. NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarizeLatency(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  return { count: sorted.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), max: percentile(sorted, 1) };
}

/** A request's outcome: the HTTP status, or the transport error's code (`UND_ERR_HEADERS_TIMEOUT`, `ECONNRESET`). */
export type Outcome = number | string;

export const isSuccess = (outcome: Outcome): boolean => typeof outcome === 'number' && outcome >= 200 && outcome < 400;

/** Failed requests counted by outcome: `{ "503": 4, "ECONNRESET": 1 }` (key order means nothing: "503" is an integer key). */
export function errorCounts(outcomes: Iterable<Outcome>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) if (!isSuccess(outcome)) counts[String(outcome)] = (counts[String(outcome)] ?? 0) + 1;
  return counts;
}

export interface SecondBucket {
  /** Seconds since the run started: the bucket holds requests started in [second, second + 1). */
  second: number;
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

/** Latency per second of start time; seconds without a request are left out (a gap, not a zero). */
export function perSecond(records: Iterable<{ startMs: number; latencyMs: number; outcome: Outcome }>): SecondBucket[] {
  const buckets = new Map<number, { latencies: number[]; errors: number }>();
  for (const r of records) {
    const second = Math.floor(r.startMs / 1000);
    const bucket = buckets.get(second) ?? { latencies: [], errors: 0 };
    bucket.latencies.push(r.latencyMs);
    if (!isSuccess(r.outcome)) bucket.errors++;
    buckets.set(second, bucket);
  }
  return [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([second, { latencies, errors }]) => {
      const { count, p50, p99 } = summarizeLatency(latencies);
      return { second, requests: count, errors, p50Ms: p50, p99Ms: p99 };
    });
}

/** The median of a few values (NaN when there are none). */
export function median(values: readonly number[]): number {
  return percentile(Float64Array.from(values).sort(), 0.5);
}
