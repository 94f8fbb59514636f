import { describe, expect, it } from 'vitest';
import { takeOverState } from './take-over.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('the state a new decider takes a function over in', () => {
  it('counts its pods active since they last came up from zero, as recorded', () => {
    const state = takeOverState({
      replicas: 2,
      readyPods: 2,
      recentScales: [
        { time: iso(1_000), from: 0, to: 1 },
        { time: iso(5_000), from: 1, to: 2 },
      ],
      createdAt: iso(0),
    });
    expect(state).toEqual({ replicas: 2, readyPods: 2, mode: 'stable', activeSince: 1_000 });
  });

  it('counts them active at least since the oldest record kept when none is from zero', () => {
    expect(takeOverState({ replicas: 3, readyPods: 1, recentScales: [{ time: iso(7_000), from: 2, to: 3 }], createdAt: iso(0) }).activeSince).toBe(7_000);
  });

  it('counts them active since the function was created when it never scaled', () => {
    expect(takeOverState({ replicas: 1, readyPods: 0, recentScales: [], createdAt: iso(42_000) }).activeSince).toBe(42_000);
  });

  it('knows nothing of activity for a function at zero, or without any record', () => {
    expect(takeOverState({ replicas: 0, readyPods: 0, recentScales: [{ time: iso(1_000), from: 1, to: 0 }] })).toEqual({
      replicas: 0,
      readyPods: 0,
      mode: 'stable',
    });
    expect(takeOverState({ replicas: 1, readyPods: 1, recentScales: [] }).activeSince).toBeUndefined();
  });
});
