import { describe, expect, it } from 'vitest';
import { previousServingRevision, type ServingChange } from './serving-history.js';

const made = (offset: number, n: number): ServingChange => ({ offset, revision: `hello-0000${n}` });
const all = () => true;

describe('the revision a function served before the current one', () => {
  it('is the one before the latest when nothing was undone', () => {
    expect(previousServingRevision([made(1, 1), made(5, 2), made(9, 3)], 'hello-00003', all)).toBe('hello-00002');
  });
  it('after an undo to 2, is 3 again: undo toggles', () => {
    expect(previousServingRevision([made(1, 1), made(5, 2), made(9, 3), { offset: 12, revision: 'hello-00002' }], 'hello-00002', all)).toBe('hello-00003');
  });
  it('follows an undo that named no revision to the one numbered below', () => {
    expect(previousServingRevision([made(1, 1), made(5, 2), made(9, 3), { offset: 12, undoToPrevious: true }], 'hello-00002', all)).toBe('hello-00003');
  });
  it('skips revisions that were garbage-collected, and is undefined with no history', () => {
    expect(previousServingRevision([made(1, 1), made(5, 2), made(9, 3)], 'hello-00003', (r) => r !== 'hello-00002')).toBe('hello-00001');
    expect(previousServingRevision([made(1, 1)], 'hello-00001', all)).toBeUndefined();
  });
});
