/** fast-check arbitraries shared by the scheduler's property tests (excluded from the build). */
import fc from 'fast-check';
import type { Taint, Toleration } from '@tide/core';

// Small vocabularies, so selectors, taints and tolerations often meet.
export const labelsArb = fc.record({ disk: fc.constantFrom('ssd', 'hdd'), zone: fc.constantFrom('a', 'b') }, { requiredKeys: [] });
const effectArb = fc.constantFrom<Taint['effect']>('NoSchedule', 'NoExecute');
export const taintArb: fc.Arbitrary<Taint> = fc.record(
  { key: fc.constantFrom('dedicated', 'gpu'), value: fc.constantFrom('x', 'y'), effect: effectArb },
  { requiredKeys: ['key', 'effect'] },
);
export const tolerationArb: fc.Arbitrary<Toleration> = fc.record(
  {
    key: fc.constantFrom('dedicated', 'gpu'),
    operator: fc.constantFrom<Toleration['operator']>('Equal', 'Exists'),
    value: fc.constantFrom('x', 'y'),
    effect: effectArb,
  },
  { requiredKeys: ['key', 'operator'] },
);
