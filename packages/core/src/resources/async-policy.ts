import { z } from 'zod';
import { topicName } from './trigger.js';

/**
 * How async calls of a function are retried and dead-lettered (spec.async). Lambda's defaults:
 * 2 retries, events kept 6 h. Lambda waits about a minute before its first retry; Tide starts at
 * 1 s, doubling (1, 2, 4 s ...), because a Tide function that failed is most often a pod that
 * crashed and was restarted within seconds, and a caller with a callback waits for the outcome.
 * Not part of the revision template: changing it starts no rollout.
 */
export const AsyncSpec = z
  .object({
    maxRetries: z.number().int().min(0).max(10).default(2),
    retryDelaySeconds: z.number().min(0).max(3600).default(1),
    maxEventAgeSeconds: z.number().int().min(1).max(21_600).default(21_600),
    /** A topic of the function's namespace that receives calls that ran out of retries or age. */
    deadLetterTopic: topicName.optional(),
  })
  .strict();
export type AsyncSpec = z.infer<typeof AsyncSpec>;

export const DEFAULT_ASYNC_SPEC: AsyncSpec = { maxRetries: 2, retryDelaySeconds: 1, maxEventAgeSeconds: 21_600 };

/** The delay before retry `retry` (1-based): retryDelaySeconds doubled each time, in ms. */
export function asyncRetryDelayMs(spec: AsyncSpec, retry: number): number {
  return spec.retryDelaySeconds * 1000 * 2 ** Math.max(0, retry - 1);
}
