import { asyncRetryDelayMs, type AsyncSpec } from '@tide/core';

/** What one attempt came to: the function's (or the gateway's) status, or no answer at all. */
export type AttemptOutcome = { kind: 'answer'; status: number } | { kind: 'no-answer'; error: string };

export type NextStep =
  | { kind: 'succeeded' }
  /** A 4xx other than 408/429: the call itself is wrong, and trying it again cannot help. */
  | { kind: 'failed' }
  | { kind: 'retry'; afterMs: number }
  | { kind: 'dead-letter'; reason: string };

/**
 * After attempt `attempts` (1-based) of a call received at `receivedAt`: 2xx succeeded; 5xx, 408,
 * 429 or no answer are retried after the policy's delay (1, 2, 4 s ... by default) while retries
 * remain and the next attempt would start within maxEventAgeSeconds; then dead-lettered. Other
 * statuses (4xx, 1xx/3xx) end the call as failed with the answer as its result.
 */
export function nextStep(outcome: AttemptOutcome, attempts: number, policy: AsyncSpec, receivedAt: number, now: number): NextStep {
  if (outcome.kind === 'answer' && outcome.status >= 200 && outcome.status < 300) return { kind: 'succeeded' };
  if (outcome.kind === 'answer' && !retryable(outcome.status)) return { kind: 'failed' };
  const what = outcome.kind === 'answer' ? `status ${outcome.status}` : outcome.error;
  if (attempts > policy.maxRetries) return { kind: 'dead-letter', reason: `${attempts} attempts, the last: ${what} (maxRetries ${policy.maxRetries})` };
  const afterMs = asyncRetryDelayMs(policy, attempts);
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
