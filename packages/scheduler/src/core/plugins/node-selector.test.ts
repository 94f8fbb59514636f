import { describe, expect, it } from 'vitest';
import { node, pod } from '../../test-builders.js';
import { createSchedulingContext } from '../scheduling-context.js';
import { nodeSelector } from './node-selector.js';

describe('node-selector', () => {
  const ctx = createSchedulingContext([]);
  const labelled = node('a', { labels: { disk: 'ssd', zone: 'eu-1' } });

  it.each([
    ['no selector', {}, { ok: true }],
    ['a matching subset of the labels', { disk: 'ssd' }, { ok: true }],
    ['all labels', { disk: 'ssd', zone: 'eu-1' }, { ok: true }],
    ['a different value', { disk: 'hdd' }, { ok: false, reason: 'node selector not matched (disk=hdd)' }],
    ['a missing label', { disk: 'ssd', gpu: 'yes', zone: 'us' }, { ok: false, reason: 'node selector not matched (gpu=yes, zone=us)' }],
  ])('given %s', (_what, selector, expected) => {
    expect(nodeSelector.filter(pod('p', { nodeSelector: selector }), labelled, ctx)).toEqual(expected);
  });
});
