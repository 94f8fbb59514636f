import { describe, expect, it } from 'vitest';
import { node, pod } from '../../test-builders.js';
import { createSchedulingContext } from '../scheduling-context.js';
import { spreadFunction } from './spread-function.js';

describe('spread-function', () => {
  const ctx = createSchedulingContext([pod('a1', { node: 'a' }), pod('a2', { node: 'a' }), pod('b1', { node: 'b' }), pod('c1', { node: 'c', fn: 'other' })]);
  const score = (name: string) => spreadFunction.score(pod('new'), node(name), ctx);

  it('scores a node with fewer pods of the same function higher', () => {
    expect(score('b')).toBeGreaterThan(score('a'));
    expect(score('c')).toBeGreaterThan(score('b'));
  });

  it('ignores pods of other functions', () => expect(score('c')).toBe(score('empty')));
});
