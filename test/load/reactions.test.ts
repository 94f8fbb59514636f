import { describe, expect, it } from 'vitest';
import type { LoadStep } from './load-plan.js';
import type { ReplicaSample } from './pod-sampler.js';
import { readyAt, stepReactions } from './reactions.js';
import type { ScaleEvent } from './scale-events.js';

const sample = (atMs: number, ready: number, pods = ready, desired = ready): ReplicaSample => ({ atMs, ready: [ready], pods: [pods], desired: [desired] });
const scale = (atMs: number, from: number, to: number, accepted = true): ScaleEvent => ({
  atMs,
  receivedMs: atMs + 5,
  fn: 0,
  from,
  to,
  reason: 'test',
  accepted,
});

const steps: LoadStep[] = [
  { phase: 0, label: 'up', atMs: 1_000, fromCallers: 0, toCallers: 20 },
  { phase: 1, label: 'off', atMs: 10_000, fromCallers: 20, toCallers: 0 },
];
const samples = [
  sample(0, 1),
  sample(900, 1),
  sample(1_250, 1, 1, 4),
  sample(2_500, 3, 4, 4),
  sample(3_000, 4),
  sample(12_000, 2),
  sample(16_000, 0, 1, 0),
  sample(17_000, 0, 0, 0),
];
const events = [scale(1_100, 1, 1, false), scale(1_400, 1, 4), scale(11_000, 4, 2), scale(15_500, 2, 0)];

describe('stepReactions', () => {
  const [up, off] = stepReactions(steps, samples, events, 1);

  it('given more callers: the first accepted ScaleSet after the step, and the first poll with more ready pods', () => {
    expect(up).toEqual({ step: 0, fn: 0, firstScale: { afterMs: 400, from: 1, to: 4, reason: 'test' }, readyChange: { afterMs: 1_500, from: 1, to: 3 } });
  });

  it('given no callers: the first scale-down, the first poll with fewer ready pods, and when all pods were gone', () => {
    expect(off).toEqual({
      step: 1,
      fn: 0,
      firstScale: { afterMs: 1_000, from: 4, to: 2, reason: 'test' },
      readyChange: { afterMs: 2_000, from: 4, to: 2 },
      zeroPods: { afterMs: 7_000 },
    });
  });

  it('leaves out what did not happen before the next step', () => {
    const [early] = stepReactions(steps, samples.slice(0, 3), [scale(10_500, 1, 4)], 1);
    expect(early).toEqual({ step: 0, fn: 0 });
  });
});

describe('readyAt', () => {
  it('is the last poll at or before the moment, or the first poll when none was that early', () => {
    expect(readyAt(samples, 0, 2_999)).toBe(3);
    expect(readyAt(samples, 0, 3_000)).toBe(4);
    expect(readyAt([sample(500, 2)], 0, 100)).toBe(2);
  });
});
