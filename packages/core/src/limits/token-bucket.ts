/**
 * A token bucket as a value: `ratePerSecond` tokens flow in, up to `burst` are kept. Pure — the
 * caller passes `nowMs` and keeps the returned bucket — so a fake clock drives it in tests.
 */
export interface TokenBucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  updatedAtMs: number;
}

export interface BucketRate {
  ratePerSecond: number;
  burst: number;
}

export type TakeResult =
  | { kind: 'allowed'; bucket: TokenBucket }
  /** `retryAfterSeconds`: whole seconds until one token is back (HTTP's Retry-After has no fractions). */
  | { kind: 'limited'; bucket: TokenBucket; retryAfterSeconds: number };

/** A bucket that starts full, as a namespace nobody has called yet. */
export function fullBucket(rate: BucketRate, nowMs: number): TokenBucket {
  return { tokens: rate.burst, updatedAtMs: nowMs };
}

/** Takes one token if there is one. rate 2/s, burst 3: three calls at once pass, the fourth waits 0.5 s → Retry-After 1. */
export function takeToken(bucket: TokenBucket, rate: BucketRate, nowMs: number): TakeResult {
  const elapsedMs = Math.max(0, nowMs - bucket.updatedAtMs);
  const tokens = Math.min(rate.burst, bucket.tokens + (elapsedMs * rate.ratePerSecond) / 1000);
  if (tokens >= 1) return { kind: 'allowed', bucket: { tokens: tokens - 1, updatedAtMs: nowMs } };
  const waitSeconds = rate.ratePerSecond > 0 ? (1 - tokens) / rate.ratePerSecond : Number.POSITIVE_INFINITY;
  const retryAfterSeconds = Number.isFinite(waitSeconds) ? Math.max(1, Math.ceil(waitSeconds)) : 60;
  return { kind: 'limited', bucket: { tokens, updatedAtMs: nowMs }, retryAfterSeconds };
}
