/**
 * What becomes of a record after an attempt: the answer's class decides, then the retry budget.
 * A 2xx is success; 5xx, 408, 429 or no answer may pass (retry); another 4xx will fail the same way
 * every time (a poison record), so it is dead-lettered at once rather than block its key.
 */
import type { Backoff } from '@tide/core';

export type AnswerClass = 'success' | 'retryable' | 'poison';

/** `undefined`: no answer came (connection failed, timed out). */
export function classifyStatus(status: number | undefined): AnswerClass {
  if (status === undefined) return 'retryable';
  if (status >= 200 && status < 300) return 'success';
  if (status >= 500 || status === 408 || status === 429) return 'retryable';
  return 'poison';
}

export type Verdict = 'succeeded' | 'retry' | 'dead-letter';

/**
 * `failedBefore`: attempts that failed before this one. maxRetries=3 → attempts 1..4, and the 4th
 * failure (failedBefore=3) dead-letters.
 */
export function verdictOf(answer: AnswerClass, failedBefore: number, maxRetries: number): Verdict {
  if (answer === 'success') return 'succeeded';
  if (answer === 'poison' || failedBefore >= maxRetries) return 'dead-letter';
  return 'retry';
}

/** Delay before attempt `failed + 1`: initialMs × multiplier^(failed−1), capped (1000, ×2 → 1000, 2000, 4000…). */
export function backoffMs(backoff: Backoff, failed: number): number {
  const exponent = Math.max(0, failed - 1);
  return Math.min(backoff.maxMs, Math.round(backoff.initialMs * backoff.multiplier ** exponent));
}

/** When the next attempt may go: the back-off, or longer when the handler asked (Workers' `retry({delaySeconds})`). */
export function retryAt(backoff: Backoff, failed: number, now: number, askedDelayMs = 0): number {
  return now + Math.max(backoffMs(backoff, failed), askedDelayMs);
}
