import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { changedMeta, type FoldContext } from './context.js';

const FIELDS = ['name', 'namespace', 'labels', 'annotations', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'other'];
const OPTIONAL = ['namespace', 'deletionTimestamp', 'other'];
const ctx: FoldContext = { offset: 42, id: 'e-00000042', time: '2025-01-01T00:00:00.000Z', subjectKey: 'team/p' };

describe('changedMeta without a trace', () => {
  it('is the metadata with the new version, the same fields in the same order, whatever fields it has', () => {
    const meta = fc
      .tuple(
        // Half of them as the fold makes metadata (every required field, in order): the fast copy's case.
        fc.oneof(
          fc.subarray(FIELDS),
          fc.subarray(['namespace', 'deletionTimestamp', 'other']).map((optional) => FIELDS.filter((f) => !OPTIONAL.includes(f) || optional.includes(f))),
        ),
        fc.boolean(),
        fc.array(fc.oneof(fc.string(), fc.constant(undefined), fc.nat(), fc.constant({})), { minLength: FIELDS.length, maxLength: FIELDS.length }),
      )
      .map(([fields, shuffled, values]) => Object.fromEntries((shuffled ? [...fields].reverse() : fields).map((field, i) => [field, values[i]])));
    fc.assert(
      fc.property(meta, (m) => {
        const changed = changedMeta(m as { resourceVersion: string }, ctx);
        const spread = { ...m, resourceVersion: '42' };
        expect(changed).toStrictEqual(spread);
        expect(Object.keys(changed)).toEqual(Object.keys(spread));
      }),
      { numRuns: 3_000 },
    );
  });

  it('does not change the metadata it was given', () => {
    const meta = { name: 'p', namespace: 'team', labels: {}, annotations: {}, uid: 'u', resourceVersion: '7', generation: 1, creationTimestamp: 't' };
    const before = structuredClone(meta);
    changedMeta(meta, ctx);
    expect(meta).toStrictEqual(before);
  });
});
