import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from '@tide/core';
import { node, pod } from '../../test-builders.js';
import { createSchedulingContext } from '../scheduling-context.js';
import { taintToleration } from './taint-toleration.js';

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
const draining: Taint = { key: 'draining', effect: 'NoExecute' };
const check = (taints: Taint[], tolerations: Toleration[]) =>
  taintToleration.filter(pod('p', { tolerations }), node('a', { taints }), createSchedulingContext([]));

describe('taint-toleration', () => {
  it('passes an untainted node', () => expect(check([], []).ok).toBe(true));

  it.each<[string, Toleration[], boolean]>([
    ['no toleration', [], false],
    ['Exists on the key (any value)', [{ key: 'dedicated', operator: 'Exists' }], true],
    ['Equal with the same value', [{ key: 'dedicated', operator: 'Equal', value: 'gpu' }], true],
    ['Equal with another value', [{ key: 'dedicated', operator: 'Equal', value: 'tpu' }], false],
    ['Equal with no value', [{ key: 'dedicated', operator: 'Equal' }], false],
    ['the same effect', [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }], true],
    ['another effect', [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }], false],
    ['another key', [{ key: 'other', operator: 'Exists' }], false],
  ])('on a NoSchedule taint with a value, given %s', (_what, tolerations, ok) => {
    expect(check([gpu], tolerations).ok).toBe(ok);
  });

  it.each<[string, Toleration[], boolean]>([
    ['no toleration', [], false],
    ['Equal without value (both empty)', [{ key: 'draining', operator: 'Equal' }], true],
    ['Exists without effect', [{ key: 'draining', operator: 'Exists' }], true],
    ['Exists for NoSchedule only', [{ key: 'draining', operator: 'Exists', effect: 'NoSchedule' }], false],
  ])('on a NoExecute taint without a value, given %s', (_what, tolerations, ok) => {
    expect(check([draining], tolerations).ok).toBe(ok);
  });

  it('needs every taint tolerated and names the first that is not', () => {
    expect(check([gpu, draining], [{ key: 'dedicated', operator: 'Exists' }])).toEqual({ ok: false, reason: 'untolerated taint draining:NoExecute' });
    expect(check([gpu, draining], [])).toEqual({ ok: false, reason: 'untolerated taint dedicated=gpu:NoSchedule' });
    expect(
      check(
        [gpu, draining],
        [
          { key: 'dedicated', operator: 'Exists' },
          { key: 'draining', operator: 'Exists' },
        ],
      ).ok,
    ).toBe(true);
  });
});
