import { describe, expect, it } from 'vitest';
import { pod } from '../test-builders.js';
import { createSchedulingContext } from './scheduling-context.js';

describe('the scheduling context', () => {
  it('adds up what the pods bound to each node ask for, ignoring unbound pods', () => {
    const ctx = createSchedulingContext([pod('a', { node: 'n1', memoryMb: 100, cpuMilli: 10 }), pod('b', { node: 'n1', memoryMb: 50, cpuMilli: 5 }), pod('c')]);
    expect(ctx.usageOf('n1')).toEqual({ memoryMb: 150, cpuMilli: 15, pods: 2 });
    expect(ctx.usageOf('n2')).toEqual({ memoryMb: 0, cpuMilli: 0, pods: 0 });
  });

  it('counts a function’s pods per node by namespace and function name', () => {
    const ctx = createSchedulingContext([
      pod('a', { node: 'n1' }),
      pod('b', { node: 'n1' }),
      pod('c', { node: 'n1', fn: 'other' }),
      pod('d', { node: 'n1', namespace: 'team' }),
    ]);
    expect(ctx.functionPodsOn('n1', pod('x'))).toBe(2);
    expect(ctx.functionPodsOn('n1', pod('x', { namespace: 'team' }))).toBe(1);
    expect(ctx.functionPodsOn('n2', pod('x'))).toBe(0);
  });

  it('counts a binding made during the cycle', () => {
    const ctx = createSchedulingContext([]);
    ctx.bind(pod('a', { memoryMb: 200 }), 'n1');
    expect(ctx.usageOf('n1')).toMatchObject({ memoryMb: 200, pods: 1 });
    expect(ctx.functionPodsOn('n1', pod('x'))).toBe(1);
  });
});
