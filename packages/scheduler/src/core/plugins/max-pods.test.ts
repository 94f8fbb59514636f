import { describe, expect, it } from 'vitest';
import { node, pod } from '../../test-builders.js';
import { createSchedulingContext } from '../scheduling-context.js';
import { maxPods } from './max-pods.js';

describe('max-pods', () => {
  const ctx = createSchedulingContext([pod('x', { node: 'a' }), pod('y', { node: 'a' })]);
  it('passes a node with a free pod slot', () => expect(maxPods.filter(pod('p'), node('a', { pods: 3 }), ctx).ok).toBe(true));
  it('rejects a node whose pod slots are all taken', () => {
    expect(maxPods.filter(pod('p'), node('a', { pods: 2 }), ctx)).toEqual({ ok: false, reason: 'too many pods (2 max)' });
  });
});
