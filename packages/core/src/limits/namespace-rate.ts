import type { NamespaceQuota } from '../resources/namespace.js';
import type { BucketRate } from './token-bucket.js';

/** Which of a namespace's rates a call draws on: API writes, or invocations through the gateway. */
export type RateKind = 'writes' | 'invocations';

/**
 * The bucket rate a namespace's quota sets for `kind`, or undefined (no limit). A burst defaults
 * to one second's worth of calls (writesPerSecond 5 → burst 5), and is never below 1.
 */
export function rateOf(quota: NamespaceQuota | undefined, kind: RateKind): BucketRate | undefined {
  const perSecond = kind === 'writes' ? quota?.writesPerSecond : quota?.invocationsPerSecond;
  if (perSecond === undefined) return undefined;
  const burst = kind === 'writes' ? quota?.writesBurst : quota?.invocationsBurst;
  return { ratePerSecond: perSecond, burst: Math.max(1, burst ?? Math.ceil(perSecond)) };
}
