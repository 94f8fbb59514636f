import { describe, expect, it } from 'vitest';
import { foldAll, functionManifest } from '../testing/builders.js';
import { testRuleBook, v1RuleBook } from '../testing/rule-book.js';
import { formatThreeJson } from '../testing/older-snapshot.js';
import { decodeSnapshot, encodeSnapshot } from '../snapshot.js';
import { initialState } from '../state.js';
import { apply } from './apply.js';

const team = { type: 'NamespaceApplied', data: { name: 'team', labels: {}, annotations: {} } } as const;
const hello = { type: 'FunctionApplied', data: { namespace: 'team', manifest: functionManifest('hello') } } as const;
const deleteTeam = { type: 'NamespaceDeleted', data: { name: 'team' } } as const;
const raise = (version: number) => ({ type: 'RulesVersionRaised', data: { version } }) as const;

/**
 * One log, two versions of the NamespaceDeleted rule: version 1 deletes a namespace with its
 * functions, version 2 (testRuleBook) refuses while it holds any. The switch is at offset 5.
 */
const log = [team, hello, deleteTeam, team, hello, raise(2), deleteTeam];

describe('fold rules versions', () => {
  it('judges each event by the rules in force at its offset', () => {
    // given a build that knows versions 1 and 2, when it folds the log
    const { state, verdicts } = foldAll(log, initialState, testRuleBook);
    // then the delete before the switch cascades (v1) and the one after it is refused (v2)
    expect(verdicts[2]).toEqual({ accepted: true });
    expect(verdicts[5]).toEqual({ accepted: true });
    expect(verdicts[6]).toMatchObject({ accepted: false, code: 'conflict', reason: 'namespace team still holds 1 function(s)' });
    expect(state.rulesVersion).toBe(2);
    expect([...state.namespaces.keys()]).toEqual(['team']);
    expect([...state.functions.keys()]).toEqual(['team/hello']);
  });

  it('reaches one state from scratch and from a snapshot taken at any offset, either side of the switch', () => {
    const whole = foldAll(log, initialState, testRuleBook);
    for (let cut = 0; cut <= log.length; cut++) {
      // given a snapshot of the fold after `cut` events, when a process restarts from it
      const head = foldAll(log.slice(0, cut), initialState, testRuleBook);
      const restored = decodeSnapshot(encodeSnapshot(head.state));
      expect(restored.rulesVersion, `snapshot after ${cut} events`).toBe(cut > 5 ? 2 : 1);
      const tail = foldAll(log.slice(cut), restored, testRuleBook);
      // then it reaches the state and verdicts of a fold from scratch
      expect(new TextDecoder().decode(encodeSnapshot(tail.state)), `snapshot after ${cut} events`).toBe(new TextDecoder().decode(encodeSnapshot(whole.state)));
      expect(tail.verdicts).toEqual(whole.verdicts.slice(cut));
    }
  });

  it('accepts a raise only to the next version', () => {
    const { state, verdicts } = foldAll([raise(3), raise(2), { ...raise(2), id: 'again' }], initialState, testRuleBook);
    expect(verdicts[0]).toMatchObject({ accepted: false, code: 'conflict', reason: 'rules version 3 is not the next one (in force: 1)' });
    expect(verdicts[1]).toEqual({ accepted: true });
    expect(verdicts[2]).toMatchObject({ accepted: false, code: 'conflict', reason: 'rules version 2 is not the next one (in force: 2)' });
    expect(state.rulesVersion).toBe(2);
  });

  it('halts at a raise to a version this build does not know, rather than guess, and says why', () => {
    // given this build's rules (version 1 only), when it folds the log
    const { state, verdicts } = foldAll(log, initialState, v1RuleBook);
    const reason =
      'the state stream switches to fold rules version 2 at offset 5, but this process knows versions up to 1: ' +
      'it stops folding rather than guess how version 2 judges events; upgrade this process';
    // then it stops at the raise: the state is the log's before the switch, and nothing after it is judged
    expect(verdicts[5]).toEqual({ accepted: false, code: 'unsupported-rules', reason });
    expect(verdicts[6]).toEqual({ accepted: false, code: 'unsupported-rules', reason });
    expect(state.halted).toEqual({ offset: 5, version: 2, supported: 1, reason });
    expect(state.offset).toBe(4);
    expect(state.rulesVersion).toBe(1);
    expect([...state.functions.keys()]).toEqual(['team/hello']);
  });

  it("halts on a state folded under rules this build does not know (a newer build's snapshot)", () => {
    const newer = foldAll(log, initialState, testRuleBook).state;
    const result = apply(decodeSnapshot(encodeSnapshot(newer)), { ...team, id: 'next', time: new Date(0).toISOString(), offset: 7 }, v1RuleBook);
    expect(result.verdict).toMatchObject({ accepted: false, code: 'unsupported-rules' });
    expect(result.state.halted).toMatchObject({ version: 2, supported: 1 });
    expect(result.state.offset).toBe(6);
  });

  it('reads a snapshot written before rules were versioned as version 1', () => {
    const { state } = foldAll([team, hello]);
    const { rulesVersion: _dropped, ...json } = formatThreeJson(encodeSnapshot(state));
    const unversioned = { ...json, format: 2 };
    const restored = decodeSnapshot(new TextEncoder().encode(JSON.stringify(unversioned)));
    expect(restored.rulesVersion).toBe(1);
    expect(encodeSnapshot(restored)).toEqual(encodeSnapshot(state));
  });
});
