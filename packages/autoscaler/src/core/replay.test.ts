import { describe, expect, it } from 'vitest';
import { withDefaults } from './autoscaler-spec.js';
import type { Sample } from './metric-window.js';
import { replay, ReplayRangeError } from './replay.js';
import { initialScalerState } from './scaler-state.js';

const s = (seconds: number) => seconds * 1000;
// a recorded day in miniature: quiet, a burst, a plateau, then nothing
const recording: Sample[] = Array.from({ length: 240 }, (_, i) => {
  const concurrency = i < 30 ? 2 : i < 40 ? 60 : i < 150 ? 30 : 0;
  return { at: s(i), concurrency, requests: concurrency > 0 ? concurrency * 4 : 0 };
});
const spec = (target: number) => withDefaults({ min: 0, max: 50, target });

describe('replay', () => {
  it('gives the same timeline for the same samples, in whatever order they come', () => {
    const shuffled = [...recording].reverse();
    const copy = structuredClone(shuffled);
    const first = replay(recording, spec(10), initialScalerState(1));
    expect(replay(shuffled, spec(10), initialScalerState(1))).toEqual(first);
    expect(shuffled).toEqual(copy);
    expect(first).toHaveLength(120); // 0 s to 238 s every 2 s
  });

  it('needs fewer replicas with a higher target', () => {
    const at10 = replay(recording, spec(10), initialScalerState(1));
    const at20 = replay(recording, spec(20), initialScalerState(1));
    const peak = (points: typeof at10) => Math.max(...points.map((p) => p.replicas));
    expect(peak(at20)).toBeLessThan(peak(at10));
    expect(at20.every((p, i) => p.replicas <= at10[i]!.replicas)).toBe(true);
  });

  it('panics on the burst and reaches zero after the load stops', () => {
    const points = replay(recording, spec(10), initialScalerState(1), { to: s(300) });
    expect(points.find((p) => p.mode === 'panic')?.at).toBe(s(30));
    expect(points.find((p) => p.at > s(150) && p.replicas === 0)?.at).toBe(s(180)); // last request at 149 s + 30 s, next tick
  });

  it('models pods that take podStartMs to become ready', () => {
    const points = replay(recording, spec(10), initialScalerState(1), { podStartMs: 5_000, from: s(28), to: s(40) });
    const burst = points.find((p) => p.replicas > 1);
    expect(burst?.at).toBe(s(30));
    // ready pods lag 5 s behind the decision, rounded up to the next 2 s tick
    expect(points.filter((p) => p.at > s(30) && p.at < s(36)).every((p) => p.readyPods === 1)).toBe(true);
    expect(points.find((p) => p.at === s(36))?.readyPods).toBe(burst?.replicas);
  });

  it('replays nothing without samples or a range', () => {
    expect(replay([], spec(10), initialScalerState(0))).toEqual([]);
  });

  it.each([
    ['tickMs', { tickMs: 0 }],
    ['podStartMs', { podStartMs: -1 }],
    ['tickMs', { tickMs: 0.001 }],
  ] as const)('rejects a bad %s', (field, options) => {
    expect(() => replay(recording, spec(10), initialScalerState(0), options)).toThrow(expect.objectContaining({ field }));
    expect(() => replay(recording, spec(10), initialScalerState(0), options)).toThrow(ReplayRangeError);
  });
});
