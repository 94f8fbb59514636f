/** Thrown when a condition a test waited for did not come true in time; names what was awaited. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly attempts: number,
  ) {
    super(`timed out after ${timeoutMs} ms (${attempts} checks) waiting for ${what}`);
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitForOptions {
  /** What is awaited, as the failure message should say it ("the follower to attach"). */
  what: string;
  /** A bound, not a pace: generous (tens of seconds) so that a busy 2-core machine still passes. */
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Checks `condition` until it yields a truthy value and returns that value; after `timeoutMs`
 * throws a WaitTimeoutError naming `what`. A test waits for a condition, never for a time: the
 * interval only paces the checks. An error thrown by `condition` is a failure, not a "not yet",
 * and ends the wait at once (use `eventually` for assertions that may fail for a while).
 */
export async function waitFor<T>(condition: () => T | Promise<T>, { what, timeoutMs = 30_000, intervalMs = 25 }: WaitForOptions): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (let attempts = 1; ; attempts++) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeoutMs, attempts);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
