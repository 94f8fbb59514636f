import { describe, expect, it } from 'vitest';
import { foldAll, functionManifest, newestRules } from '../testing/builders.js';
import { decodeSnapshot, encodeSnapshot } from '../snapshot.js';
import { seal, sealContext, secretKeyOf } from '../secrets/seal.js';
import type { EventEnvelope } from '../events.js';

type Input = Omit<EventEnvelope, 'id' | 'time'> & { writer?: string };

const key = secretKeyOf(new Uint8Array(32).fill(3));
const team: Input = { type: 'NamespaceApplied', data: { name: 'team', labels: {}, annotations: {} } };
const applied = (name = 'db', namespace = 'team'): Input => ({
  type: 'SecretApplied',
  data: {
    namespace,
    name,
    labels: {},
    annotations: {},
    type: 'Opaque',
    data: { PASSWORD: seal(key, sealContext(namespace, name, 'PASSWORD'), 'hunter2', new Uint8Array(12)) },
  },
});
const deleted = (name = 'db'): Input => ({ type: 'SecretDeleted', data: { namespace: 'team', name } });
const outcomes = (verdicts: { accepted: boolean; code?: string }[]) => verdicts.map((v) => (v.accepted ? 'ok' : v.code));

describe('secrets in the fold (rules version 4)', () => {
  it('keeps a secret sealed, in an existing namespace only', () => {
    const { state, verdicts } = foldAll([...newestRules(), applied('lost'), team, applied()] as Input[]);
    expect(outcomes(verdicts.slice(-3))).toEqual(['not-found', 'ok', 'ok']);
    const secret = state.secrets.get('team/db')!;
    expect(secret).toMatchObject({ kind: 'Secret', type: 'Opaque', metadata: { name: 'db', namespace: 'team', generation: 1 } });
    expect(secret.data.PASSWORD!.keyId).toBe(key.id);
    expect(JSON.stringify(secret)).not.toContain('hunter2');
  });

  it('counts a generation per apply, deletes, and refuses deleting what is not there', () => {
    const { state, verdicts } = foldAll([...newestRules(), team, applied(), { ...applied(), id: 'again' }, deleted(), deleted()] as Input[]);
    expect(outcomes(verdicts.slice(-4))).toEqual(['ok', 'ok', 'ok', 'not-found']);
    expect(state.secrets.size).toBe(0);
    const twice = foldAll([...newestRules(), team, applied(), { ...applied(), id: 'again' }] as Input[]).state;
    expect(twice.secrets.get('team/db')?.metadata.generation).toBe(2);
  });

  it('goes with its namespace', () => {
    const { state } = foldAll([...newestRules(), team, applied(), { type: 'NamespaceDeleted', data: { name: 'team' } }] as Input[]);
    expect(state.secrets.size).toBe(0);
  });

  it('is refused, saying so, by rules before version 4: secrets and functions that take them', () => {
    const fn: Input = { type: 'FunctionApplied', data: { namespace: 'team', manifest: functionManifest('f', { envFrom: [{ secretRef: 'db' }] }) } };
    const { state, verdicts } = foldAll([
      team,
      applied(),
      deleted(),
      fn,
      { type: 'FunctionApplied', data: { namespace: 'team', manifest: functionManifest('g') } },
    ]);
    expect(outcomes(verdicts.slice(-4))).toEqual(['unsupported-rules', 'unsupported-rules', 'unsupported-rules', 'ok']);
    expect(verdicts.at(-2)).toMatchObject({ reason: expect.stringContaining("function f's envFrom needs fold rules version 4") });
    expect(state.functions.has('team/g')).toBe(true);
  });

  it('accepts a function naming a secret that does not exist yet (as Kubernetes), keeping envFrom in its revision', () => {
    const fn: Input = { type: 'FunctionApplied', data: { namespace: 'team', manifest: functionManifest('f', { envFrom: [{ secretRef: 'db' }] }) } };
    const { state, verdicts } = foldAll([...newestRules(), team, fn] as Input[]);
    expect(verdicts.at(-1)).toEqual({ accepted: true });
    expect(state.revisions.get('team/f-00001')?.spec.envFrom).toEqual([{ secretRef: 'db' }]);
  });

  it('is written by control planes only', () => {
    const { verdicts } = foldAll([
      ...newestRules(),
      team,
      { ...applied(), writer: 'node:n1' },
      { ...applied(), writer: 'triggers:t' },
      { ...applied(), writer: 'gateway:g' },
      { ...applied(), writer: 'control-plane:cp' },
    ] as Input[]);
    expect(outcomes(verdicts.slice(-4))).toEqual(['forbidden', 'forbidden', 'forbidden', 'ok']);
  });

  it('survives a snapshot with its sealed values, and only those', () => {
    const { state } = foldAll([...newestRules(), team, applied()] as Input[]);
    expect(decodeSnapshot(encodeSnapshot(state)).secrets.get('team/db')).toEqual(state.secrets.get('team/db'));
    expect(new TextDecoder().decode(encodeSnapshot(state))).not.toContain('hunter2');
  });
});
