import { describe, expect, it } from 'vitest';
import { rulesRaise, type MemberSighting } from './rules-raise.js';

const GRACE = 10_000;
const members = (...seen: [string, number, number][]) => new Map<string, MemberSighting>(seen.map(([name, rules, at]) => [name, { rules, at }]));

describe('rulesRaise (v1 in force, grace 10 s, leader listening since t=0)', () => {
  it.each([
    ['raises to 2 when every live member speaks 2', 2, members(['node-a', 2, 19_000], ['control-plane.b', 3, 15_000]), 20_000, { raise: 2 }],
    [
      'waits for a live member that speaks only 1',
      2,
      members(['node-a', 2, 19_000], ['node-b', 1, 12_000]),
      20_000,
      { wait: 'rules version 2 waits for node-b (speaks 1)' },
    ],
    ['does not wait for a member silent for longer than the grace', 2, members(['node-a', 2, 19_000], ['node-b', 1, 9_000]), 20_000, { raise: 2 }],
    ['raises only one version at a time', 3, members(['node-a', 3, 19_000]), 20_000, { raise: 2 }],
    ['never raises past what the leader knows', 1, members(['node-a', 2, 19_000]), 20_000, { wait: 'rules version 1 is the highest this process knows' }],
    [
      'waits a whole grace after starting to listen, to have heard every member',
      2,
      members(['node-a', 2, 9_000]),
      9_999,
      { wait: expect.stringMatching(/^listening for a grace period/) },
    ],
  ] as const)('%s', (_what, supported, seen, now, expected) => {
    expect(rulesRaise({ inForce: 1, supported, members: seen, listeningSince: 0, now, graceMs: GRACE })).toEqual(expected);
  });
});
