import type { NamespaceQuota } from '../resources/namespace.js';
import { rateOf, type RateKind } from './namespace-rate.js';
import { fullBucket, takeToken, type TokenBucket } from './token-bucket.js';

export type RateDecision = { kind: 'allowed' } | { kind: 'limited'; message: string; retryAfterSeconds: number };

/**
 * One bucket per namespace for one kind of call, rates read from the namespace's quota at each
 * call (a changed quota applies at once). Holds only the buckets; the caller passes `nowMs`.
 */
export class NamespaceLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly kind: RateKind,
    private readonly quotaOf: (namespace: string) => NamespaceQuota | undefined,
  ) {}

  take(namespace: string, nowMs: number): RateDecision {
    const rate = rateOf(this.quotaOf(namespace), this.kind);
    if (rate === undefined) {
      this.#buckets.delete(namespace);
      return { kind: 'allowed' };
    }
    const result = takeToken(this.#buckets.get(namespace) ?? fullBucket(rate, nowMs), rate, nowMs);
    this.#buckets.set(namespace, result.bucket);
    if (result.kind === 'allowed') return { kind: 'allowed' };
    const field = this.kind === 'writes' ? 'writesPerSecond' : 'invocationsPerSecond';
    const message = `namespace ${namespace} is over its rate limit of ${rate.ratePerSecond} ${this.kind} per second (quota ${field}, burst ${rate.burst}); retry after ${result.retryAfterSeconds} s`;
    return { kind: 'limited', message, retryAfterSeconds: result.retryAfterSeconds };
  }
}
