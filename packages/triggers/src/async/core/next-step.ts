import { asyncRetryDelayMs, type AsyncSpec } from '@tide/core';

/**
 * What one attempt came to: the function's (or the gateway's) status, or no answer at all.
 * `throttled`: the gateway answered itself 503/429 (no pod could take the call, or too many wait):
 * the function never ran.
 */
export type AttemptOutcome = { kind: 'answer'; status: number; throttled?: boolean } | { kind: 'no-answer'; error: string };

/** Attempts so far: those that reached the function and failed, and those the gateway throttled. */
export interface AttemptCounts {
  failures: number;
  throttles: number;
}

/** Longest wait between throttled attempts (they double from retryDelaySeconds). */
export const THROTTLE_MAX_DELAY_MS = 30_000;

export type NextStep =
  | { kind: 'succeeded' }
  /** A 4xx other than 408/429: the call itself is wrong, and trying it again cannot help. */
  | { kind: 'failed' }
  | { kind: 'retry'; afterMs: number }
  | { kind: 'dead-letter'; reason: string };

/**
 * After an attempt of a call received at `receivedAt` (`counts` include this attempt): 2xx
 * succeeded; 5xx, 408, 429 or no answer are retried after the policy's delay (1, 2, 4 s ... by
 * default) while retries remain (maxRetries counts failures of the function) and the next attempt
 * would start within maxEventAgeSeconds; then dead-lettered. Other statuses (4xx, 1xx/3xx) end the
 * call as failed with the answer as its result. A throttled attempt (the gateway had no pod for it)
 * spends no retry, as Lambda retries throttles until the event's maximum age: it waits, doubling up
 * to 30 s, and tries again.
 */
export function nextStep(outcome: AttemptOutcome, counts: AttemptCounts, policy: AsyncSpec, receivedAt: number, now: number): NextStep {
  if (outcome.kind === 'answer' && outcome.status >= 200 && outcome.status < 300) return { kind: 'succeeded' };
  if (outcome.kind === 'answer' && !retryable(outcome.status)) return { kind: 'failed' };
  const what = outcome.kind === 'answer' ? `status ${outcome.status}` : outcome.error;
  const throttled = outcome.kind === 'answer' && outcome.throttled === true;
  if (!throttled && counts.failures > policy.maxRetries)
    return { kind: 'dead-letter', reason: `${counts.failures} failed attempts, the last: ${what} (maxRetries ${policy.maxRetries})` };
  const afterMs = throttled
    ? Math.min(THROTTLE_MAX_DELAY_MS, Math.max(100, asyncRetryDelayMs(policy, counts.throttles)))
    : asyncRetryDelayMs(policy, counts.failures);
  if (now + afterMs - receivedAt > policy.maxEventAgeSeconds * 1000)
    return { kind: 'dead-letter', reason: `older than maxEventAgeSeconds (${policy.maxEventAgeSeconds}) before its next attempt; the last: ${what}` };
  return { kind: 'retry', afterMs };
}

/** Whether a call received at `receivedAt` is too old to run at all (e.g. it waited out a long outage). */
export function expired(policy: AsyncSpec, receivedAt: number, now: number): boolean {
  return now - receivedAt > policy.maxEventAgeSeconds * 1000;
}

function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}
