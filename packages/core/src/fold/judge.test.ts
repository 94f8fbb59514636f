import { describe, expect, it } from 'vitest';
import { initialState } from '../state.js';
import { apply } from './apply.js';
import { judge } from './judge.js';
import type { LoggedEvent } from '../events.js';

const ns = (name: string, expect?: number | null) => ({
  type: 'NamespaceApplied' as const,
  data: { name, labels: {}, annotations: {} },
  ...(expect === undefined ? {} : { expect }),
});
const given = apply(initialState, { ...ns('default'), id: 'event-0000', time: '2026-01-01T00:00:00Z', offset: 0 } as LoggedEvent).state;

describe('judge: the fold’s verdict on an event were it appended now', () => {
  it.each([
    ['an event whose expect is current', ns('default', 0), { accepted: true }],
    ['an event whose expect is stale', ns('default', 7), { accepted: false, code: 'conflict' }],
    ['a create of what exists', ns('default', null), { accepted: false, code: 'already-exists' }],
    ['an update of what does not exist', ns('other', 3), { accepted: false, code: 'not-found' }],
    ['a handler’s own rule', { type: 'NamespaceDeleted' as const, data: { name: 'other' } }, { accepted: false, code: 'not-found' }],
    ['an event that fails its schema', { type: 'NamespaceApplied' as const, data: { name: 'Bad_Name' } }, { accepted: false, code: 'invalid' }],
  ])('given one namespace, judges %s', (_what, event, verdict) => {
    expect(judge(given, event)).toMatchObject(verdict);
  });

  it('names the field of an event that fails its schema', () => {
    const verdict = judge(given, { type: 'RolloutUndone', data: { namespace: 'default', name: 'hello', revision: 'Hello_1' } });
    expect(verdict).toMatchObject({ accepted: false, reason: expect.stringMatching(/data\.revision/) });
  });

  it('leaves the state it judged on unchanged', () => {
    const before = given;
    judge(given, ns('new'));
    expect(given).toBe(before);
    expect(given.namespaces.has('new')).toBe(false);
  });
});
