import { describe, expect, it } from 'vitest';
import { assignmentChange } from './assignment-change.js';

describe('assignmentChange', () => {
  it('assigns everything to a member that held nothing', () => {
    expect(assignmentChange(new Set(), { t: [1, 0] })).toEqual({
      revoked: [],
      added: [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 1 },
      ],
      next: [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 1 },
      ],
    });
  });

  it('revokes what a rebalance gave to another member, keeps the rest', () => {
    const change = assignmentChange(new Set(['t/0', 't/1', 't/2', 't/3']), { t: [0, 2] });
    expect(change.revoked).toEqual([
      { topic: 't', partition: 1 },
      { topic: 't', partition: 3 },
    ]);
    expect(change.added).toEqual([]);
  });

  it('reads topic names that contain slashes or dots back whole', () => {
    expect(assignmentChange(new Set(['a.b/c/3']), {}).revoked).toEqual([{ topic: 'a.b/c', partition: 3 }]);
  });
});
