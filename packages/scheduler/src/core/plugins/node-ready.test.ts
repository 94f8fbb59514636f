import { describe, expect, it } from 'vitest';
import { node, pod } from '../../test-builders.js';
import { createSchedulingContext } from '../scheduling-context.js';
import { nodeReady } from './node-ready.js';

describe('node-ready', () => {
  const ctx = createSchedulingContext([]);
  it('passes a ready node', () => expect(nodeReady.filter(pod('p'), node('a'), ctx)).toEqual({ ok: true }));
  it('rejects a node that is not ready', () =>
    expect(nodeReady.filter(pod('p'), node('a', { ready: false }), ctx)).toEqual({ ok: false, reason: 'not ready' }));
});
