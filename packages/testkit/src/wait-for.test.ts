import { describe, expect, it } from 'vitest';
import { waitFor, WaitTimeoutError } from './wait-for.js';

describe('waitFor', () => {
  it('returns the first truthy value the condition yields', async () => {
    let checks = 0;
    await expect(waitFor(() => (++checks >= 3 ? `after ${checks}` : undefined), { what: 'three checks', intervalMs: 1 })).resolves.toBe('after 3');
  });

  it('names what it waited for when the bound passes', async () => {
    const waiting = waitFor(async () => false, { what: 'the follower to attach', timeoutMs: 20, intervalMs: 1 });
    await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(waiting).rejects.toThrow(/timed out after 20 ms \(\d+ checks\) waiting for the follower to attach/);
  });

  it('ends the wait at once when the condition throws', async () => {
    let checks = 0;
    const failing = waitFor(
      () => {
        checks++;
        throw new Error('the process exited');
      },
      { what: 'never', timeoutMs: 10_000 },
    );
    await expect(failing).rejects.toThrow('the process exited');
    expect(checks).toBe(1);
  });
});
