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

  it("makes a new revision when an env var's secretKeyRef changes, as a changed value does, and none when it names the same key", () => {
    const withRef = (key: string, optional?: boolean, id?: string): Input => ({
      type: 'FunctionApplied',
      ...(id ? { id } : {}),
      data: {
        namespace: 'team',
        manifest: functionManifest('f', {
          env: { PLAIN: 'x', DB: { valueFrom: { secretKeyRef: { name: 'db', key, ...(optional === undefined ? {} : { optional }) } } } },
        }),
      },
    });
    const { state, verdicts } = foldAll([
      ...newestRules(),
      team,
      withRef('PASSWORD'),
      withRef('PASSWORD', false, 'same-key-optional-false'),
      withRef('PASSWORD', true, 'now-optional'),
      withRef('OTHER', true, 'other-key'),
    ] as Input[]);
    expect(outcomes(verdicts.slice(-4))).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect([...state.revisions.keys()]).toEqual(['team/f-00001', 'team/f-00002', 'team/f-00003']);
    expect(state.revisions.get('team/f-00001')?.spec.env).toEqual({ PLAIN: 'x', DB: { valueFrom: { secretKeyRef: { name: 'db', key: 'PASSWORD' } } } });
    expect(state.revisions.get('team/f-00003')?.spec.env.DB).toEqual({ valueFrom: { secretKeyRef: { name: 'db', key: 'OTHER', optional: true } } });
  });

  it('refuses a secretKeyRef under rules before version 4, as envFrom', () => {
    const fn: Input = {
      type: 'FunctionApplied',
      data: { namespace: 'team', manifest: functionManifest('f', { env: { DB: { valueFrom: { secretKeyRef: { name: 'db', key: 'PASSWORD' } } } } }) },
    };
    const { verdicts } = foldAll([team, fn]);
    expect(verdicts.at(-1)).toMatchObject({
      code: 'unsupported-rules',
      reason: expect.stringContaining("function f's env from a secret (secretKeyRef) needs fold rules version 4"),
    });
  });

  it('survives a snapshot with its sealed values, and only those', () => {
    const { state } = foldAll([...newestRules(), team, applied()] as Input[]);
    expect(decodeSnapshot(encodeSnapshot(state)).secrets.get('team/db')).toEqual(state.secrets.get('team/db'));
    expect(new TextDecoder().decode(encodeSnapshot(state))).not.toContain('hunter2');
  });
});
