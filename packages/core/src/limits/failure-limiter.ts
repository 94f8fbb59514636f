import { fullBucket, takeToken, type BucketRate, type TokenBucket } from './token-bucket.js';

/** Failed authentications per client address: 10 at once, then one every 6 s (about 10 a minute). */
export const DEFAULT_FAILURE_RATE: BucketRate = { ratePerSecond: 1 / 6, burst: 10 };
/** Addresses remembered at most: past it the oldest go (a flood of addresses cannot grow memory). */
const MAX_ADDRESSES = 10_000;

/**
 * Rate limit of failed authentications per client address, for every entrance that checks bearer
 * tokens (the API, the gateway's calls of `access: token` functions). An address that failed too
 * often is refused (429, Retry-After) before its token counts, valid or not, so guessing learns
 * nothing faster than the rate.
 */
export class FailureLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: BucketRate,
    private readonly nowMs: () => number,
  ) {}

  /** Seconds to wait when the address has no failure left to spend, else undefined. */
  blocked(address: string): number | undefined {
    const bucket = this.#buckets.get(address);
    if (!bucket) return undefined;
    // Asked on a copy: only a failure spends one.
    const asked = takeToken(bucket, this.rate, this.nowMs());
    return asked.kind === 'limited' ? asked.retryAfterSeconds : undefined;
  }

  /** Counts one failure of the address. */
  failed(address: string): void {
    const now = this.nowMs();
    const bucket = this.#buckets.get(address) ?? fullBucket(this.rate, now);
    this.#buckets.delete(address);
    if (this.#buckets.size >= MAX_ADDRESSES) this.#buckets.delete(this.#buckets.keys().next().value!);
    this.#buckets.set(address, takeToken(bucket, this.rate, now).bucket);
  }
}
