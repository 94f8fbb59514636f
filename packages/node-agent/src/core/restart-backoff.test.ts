import { describe, expect, it } from 'vitest';
import { describeExit } from './exit-reason.js';
import { DEFAULT_BACKOFF, planRestart, planRestartAfter, restartDelayMs } from './restart-backoff.js';

describe('restartDelayMs', () => {
  it.each([
    [0, 1_000],
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [8, 256_000],
    [9, 300_000],
    [50, 300_000],
    [5_000, 300_000],
  ])('step %i waits %i ms with the default policy', (step, delayMs) => {
    expect(restartDelayMs(step, DEFAULT_BACKOFF)).toBe(delayMs);
  });
});

describe('the default policy', () => {
  it('keeps doubling a pod that ran 9 min 59 s, and starts over after one that ran 10 min', () => {
    expect(planRestart(4, 599_999, 0, DEFAULT_BACKOFF)).toEqual({ nextRestartAt: 16_000, backoffStep: 5 });
    expect(planRestart(4, 600_000, 0, DEFAULT_BACKOFF)).toEqual({ nextRestartAt: 1_000, backoffStep: 1 });
  });
});

describe('planRestart', () => {
  const policy = { initialMs: 100, maxMs: 1_000, resetAfterMs: 60_000 };

  it('restarts a first crash after the initial delay and moves to the next step', () => {
    expect(planRestart(0, 50, 10_000, policy)).toEqual({ nextRestartAt: 10_100, backoffStep: 1 });
  });

  it('doubles the delay for each crash in a row', () => {
    expect(planRestart(1, 50, 10_000, policy)).toEqual({ nextRestartAt: 10_200, backoffStep: 2 });
    expect(planRestart(2, 50, 10_000, policy)).toEqual({ nextRestartAt: 10_400, backoffStep: 3 });
  });

  it('never waits longer than the cap', () => {
    expect(planRestart(9, 50, 10_000, policy).nextRestartAt).toBe(11_000);
  });

  it('starts over from the initial delay after a pod ran for the reset period', () => {
    expect(planRestart(7, 60_000, 100_000, policy)).toEqual({ nextRestartAt: 100_100, backoffStep: 1 });
  });
});

describe('planRestartAfter', () => {
  const policy = { initialMs: 100, maxMs: 1_000, resetAfterMs: 60_000 };
  const crash = { code: 1, signal: null };
  const recycled = { code: null, signal: 'SIGKILL', recycleReason: 'call ran past its timeout of 1s' };

  it('backs off after a crash, as planRestart does', () => {
    expect(planRestartAfter(crash, 2, 50, 10_000, policy)).toEqual({ nextRestartAt: 10_400, backoffStep: 3, backingOff: true });
  });

  it('replaces a pod recycled after a call past its timeout at once, its back-off step untouched', () => {
    expect(planRestartAfter(recycled, 0, 50, 10_000, policy)).toEqual({ nextRestartAt: 10_000, backoffStep: 0, backingOff: false });
    expect(planRestartAfter(recycled, 3, 50, 10_000, policy)).toEqual({ nextRestartAt: 10_000, backoffStep: 3, backingOff: false });
  });

  it('backs off a pod whose module has no handler as any crash: a restart cannot fix it, and its reason stays on the pod', () => {
    const noHandler = { code: 1, signal: null, failedReason: 'import failed: module has no fetch, scheduled or queue handler' };
    expect(planRestartAfter(noHandler, 4, 50, 10_000, policy)).toEqual({ nextRestartAt: 11_000, backoffStep: 5, backingOff: true });
    expect(describeExit(noHandler)).toBe('import failed: module has no fetch, scheduled or queue handler');
  });

  it('backs off when the agent killed the pod itself, whatever the pod said', () => {
    expect(planRestartAfter({ ...recycled, killReason: 'liveness probe failed: HTTP 500' }, 0, 50, 10_000, policy).backingOff).toBe(true);
  });
});
