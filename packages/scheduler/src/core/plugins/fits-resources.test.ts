import { describe, expect, it } from 'vitest';
import { node, pod } from '../../test-builders.js';
import { createSchedulingContext } from '../scheduling-context.js';
import { fitsResources } from './fits-resources.js';

describe('fits-resources', () => {
  // Node: 1024 MB, 4000m; already bound: 512 MB, 3000m.
  const ctx = createSchedulingContext([pod('bound', { node: 'a', memoryMb: 512, cpuMilli: 3000 })]);
  const check = (memoryMb: number, cpuMilli: number) => fitsResources.filter(pod('p', { memoryMb, cpuMilli }), node('a'), ctx);

  it.each([
    ['exactly what is free', 512, 1000, { ok: true }],
    ['less than is free', 100, 100, { ok: true }],
    ['too much memory', 1024, 100, { ok: false, reason: 'insufficient memory (512 MB free, 1024 MB asked)' }],
    ['too much cpu', 100, 1500, { ok: false, reason: 'insufficient cpu (1000m free, 1500m asked)' }],
    ['too much of both', 513, 1001, { ok: false, reason: 'insufficient memory (512 MB free, 513 MB asked), insufficient cpu (1000m free, 1001m asked)' }],
  ])('given a pod asking %s', (_what, memoryMb, cpuMilli, expected) => {
    expect(check(memoryMb, cpuMilli)).toEqual(expected);
  });

  it('measures an empty node against its whole capacity', () => {
    expect(fitsResources.filter(pod('p', { memoryMb: 1024 }), node('b'), ctx).ok).toBe(true);
  });
});
