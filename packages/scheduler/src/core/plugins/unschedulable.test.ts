import { describe, expect, it } from 'vitest';
import { node, pod } from '../../test-builders.js';
import { createSchedulingContext } from '../scheduling-context.js';
import { unschedulable } from './unschedulable.js';

describe('unschedulable', () => {
  const ctx = createSchedulingContext([]);
  it('passes a node that is not cordoned', () => expect(unschedulable.filter(pod('p'), node('a'), ctx).ok).toBe(true));
  it('rejects a cordoned node', () => expect(unschedulable.filter(pod('p'), node('a', { cordoned: true }), ctx)).toEqual({ ok: false, reason: 'cordoned' }));
});
