import type { ActivationRecord, Clock } from '@tide/core';
import { request } from 'undici';

/** Attempts at a callback: the first and two retries, 0.5 s then 1 s apart. */
const CALLBACK_DELAYS_MS = [500, 1000];
const CALLBACK_TIMEOUT_MS = 10_000;

/**
 * POSTs an ended activation to the caller's X-Callback-Url: the activation record as JSON (status,
 * attempts, result with the function's status, headers and body, or the error), with
 * `x-activation-id` and `x-activation-status`. A 2xx is delivered; anything else is tried again a
 * few times, then given up as failed (recorded in the activation).
 */
export async function deliverCallback(url: string, activation: ActivationRecord, clock: Clock): Promise<'delivered' | 'failed'> {
  const { callback: _pending, ...shown } = activation;
  const body = JSON.stringify(shown);
  for (let attempt = 0; ; attempt += 1) {
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-activation-id': activation.id, 'x-activation-status': activation.status },
        body,
        headersTimeout: CALLBACK_TIMEOUT_MS,
        bodyTimeout: CALLBACK_TIMEOUT_MS,
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) return 'delivered';
    } catch {
      // No answer: tried again below.
    }
    const delay = CALLBACK_DELAYS_MS[attempt];
    if (delay === undefined) return 'failed';
    await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
  }
}
