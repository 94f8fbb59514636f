import { describe, expect, it } from 'vitest';
import { callerSeries, callersAt, loadSteps, peakCallers } from './load-plan.js';
import type { LoadPhase } from './scenario.js';

const ramp: LoadPhase = { label: 'ramp', durationMs: 30_000, callers: 1, rampToCallers: 40 };

describe('callersAt', () => {
  it('holds a flat phase at its count', () => {
    expect(callersAt({ label: 'x', durationMs: 1_000, callers: 20 }, 500)).toBe(20);
  });

  it.each([
    [0, 1],
    [15_000, 21], // 1 + 39 × 0.5 = 20.5 → 21
    [30_000, 40],
    [45_000, 40], // past the end stays at the end
  ])('ramps 1 → 40 over 30 s: at %d ms, %d callers', (elapsed, expected) => {
    expect(callersAt(ramp, elapsed)).toBe(expected);
  });
});

describe('loadSteps', () => {
  const spike: LoadPhase[] = [
    { label: 'quiet', durationMs: 10_000, callers: 2 },
    { label: 'spike', durationMs: 10_000, callers: 60 },
    { label: 'quiet again', durationMs: 10_000, callers: 2 },
  ];

  it('finds a step at every phase whose callers differ from the last, at the time it really started', () => {
    expect(loadSteps(spike, [0, 10_020, 20_050])).toEqual([
      { phase: 0, label: 'quiet', atMs: 0, fromCallers: 0, toCallers: 2 },
      { phase: 1, label: 'spike', atMs: 10_020, fromCallers: 2, toCallers: 60 },
      { phase: 2, label: 'quiet again', atMs: 20_050, fromCallers: 60, toCallers: 2 },
    ]);
  });

  it('skips a phase that keeps the load, a baseline of 0, and phases never reached', () => {
    const phases: LoadPhase[] = [
      { label: 'baseline', durationMs: 2_000, callers: 0 },
      { label: 'on', durationMs: 1_000, callers: 5 },
      { label: 'still on', durationMs: 1_000, callers: 5 },
      { label: 'off', durationMs: 1_000, callers: 0 },
    ];
    expect(loadSteps(phases, [0, 2_000, 3_000]).map((s) => s.label)).toEqual(['on']);
  });

  it('counts a ramp as one step to where it ends', () => {
    expect(loadSteps([ramp], [0])).toEqual([{ phase: 0, label: 'ramp', atMs: 0, fromCallers: 0, toCallers: 40 }]);
  });
});

describe('callerSeries and peakCallers', () => {
  it('draws flat phases as one point each and a ramp as a point per step, dropping to 0 at the run end', () => {
    const phases: LoadPhase[] = [
      { label: 'a', durationMs: 1_000, callers: 3 },
      { label: 'r', durationMs: 1_000, callers: 0, rampToCallers: 8 },
    ];
    expect(callerSeries(phases, [0, 1_000], 2_100, 250)).toEqual([
      [0, 3],
      [1_000, 0],
      [1_250, 2],
      [1_500, 4],
      [1_750, 6],
      [2_000, 8],
      [2_100, 0],
    ]);
    expect(peakCallers(phases)).toBe(8);
  });
});
