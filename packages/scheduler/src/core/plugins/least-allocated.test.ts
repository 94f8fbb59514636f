import { describe, expect, it } from 'vitest';
import { node, pod } from '../../test-builders.js';
import { createSchedulingContext } from '../scheduling-context.js';
import { leastAllocated } from './least-allocated.js';

describe('least-allocated', () => {
  const ctx = createSchedulingContext([pod('x', { node: 'busy', memoryMb: 512, cpuMilli: 1000, fn: 'other' })]);
  const score = (n: ReturnType<typeof node>) => leastAllocated.score(pod('new', { memoryMb: 512, cpuMilli: 1000 }), n, ctx);

  it('is the mean free fraction of memory and cpu after placing the pod', () => {
    // busy: memory (1024 - 512 - 512) / 1024 = 0, cpu (4000 - 1000 - 1000) / 4000 = 0.5 → 0.25.
    expect(score(node('busy'))).toBeCloseTo(0.25);
    // idle: memory 0.5, cpu 0.75 → 0.625.
    expect(score(node('idle'))).toBeCloseTo(0.625);
  });

  it('scores a bigger node higher for the same pod', () => {
    expect(score(node('big', { memoryMb: 4096 }))).toBeGreaterThan(score(node('idle')));
  });
});
