import { describe, expect, it } from 'vitest';
import { createMemoryLog } from '@tide/log/testing';
import { eventually } from '@tide/testkit/testing';
import { encodeSnapshot } from '../snapshot.js';
import { testRuleBook, v1RuleBook } from '../testing/rule-book.js';
import { openStateStore } from './state-store.js';
import { whenFoldHalted } from '../fold/when-halted.js';

const namespace = (name: string) => ({ type: 'NamespaceApplied' as const, data: { name, labels: {}, annotations: {} } });
const HALT = /switches to fold rules version 2 at offset 1, but this process knows versions up to 1: .*; upgrade this process$/;

describe('state store across a switch of fold rules', () => {
  it('ignores a snapshot folded under rules this process does not know, and halts where the log switches to them, saying why', async () => {
    const log = createMemoryLog();
    // given a log a newer build switched to rules version 2, and that build's snapshot after the switch
    const newer = await openStateStore({ log, rules: testRuleBook });
    await newer.append([namespace('a'), { type: 'RulesVersionRaised', data: { version: 2 } }, namespace('b')]);
    const snapshot = { offset: 2, bytes: encodeSnapshot(newer.state()) };
    await newer.close();

    // when a process of this build (version 1 only) starts on them
    const errors: string[] = [];
    const store = await openStateStore({
      log,
      rules: v1RuleBook,
      snapshots: { load: async () => snapshot, save: async () => {} },
      onError: (e) => errors.push(e.message),
    });

    // then it does not fold on from the snapshot, it stops at the switch, says why, and refuses writes
    expect(errors[0]).toMatch(/ignoring the snapshot at offset 2: it was folded under rules version 2, which this process does not know/);
    expect(errors[1]).toMatch(HALT);
    expect(store.state()).toMatchObject({ offset: 0, rulesVersion: 1, halted: { offset: 1, version: 2, supported: 1 } });
    expect([...store.state().namespaces.keys()]).toEqual(['a']);
    const [refused] = await store.append([namespace('c')]);
    expect(refused).toEqual({ offset: -1, verdict: { accepted: false, code: 'unsupported-rules', reason: expect.stringMatching(HALT) } });
    expect(await log.endOffset('tide.state')).toBe(3);
    await store.close();
  });
});

describe('whenFoldHalted', () => {
  it('tells a process once that its fold halted, whether at open or while following the log', async () => {
    const log = createMemoryLog();
    const store = await openStateStore({ log, rules: v1RuleBook });
    const halts: number[] = [];
    whenFoldHalted(store, (halt) => halts.push(halt.offset));
    const newer = await openStateStore({ log, rules: testRuleBook });
    await newer.append([namespace('a'), { type: 'RulesVersionRaised', data: { version: 2 } }, namespace('b')]);
    await newer.close();
    await eventually(() => expect(halts).toEqual([1]));
    await store.close();

    const reopened = await openStateStore({ log, rules: v1RuleBook });
    const atOpen: number[] = [];
    whenFoldHalted(reopened, (halt) => atOpen.push(halt.offset));
    expect(atOpen).toEqual([1]);
    await reopened.close();
  });
});
