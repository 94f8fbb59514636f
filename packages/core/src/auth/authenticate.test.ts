import { describe, expect, it } from 'vitest';
import { foldAll, newestRules } from '../testing/builders.js';
import type { EventEnvelope } from '../events.js';
import { authenticate } from './authenticate.js';
import { newTokenSecret } from './token-secret.js';

type Input = Omit<EventEnvelope, 'id' | 'time'>;
const NOW = Date.parse('2026-12-07T00:00:00Z');

function withTokens() {
  const alice = newTokenSecret('alice');
  const old = newTokenSecret('old');
  const gone = newTokenSecret('gone');
  const events: Input[] = [
    ...(newestRules() as Input[]),
    { type: 'NamespaceApplied', data: { name: 'a', labels: {}, annotations: {} } },
    {
      type: 'TokenCreated',
      data: { name: 'alice', secretHash: alice.secretHash, spec: { subject: { kind: 'user', roles: [{ role: 'developer', namespaces: ['a'] }] } } },
    },
    {
      type: 'TokenCreated',
      data: { name: 'old', secretHash: old.secretHash, spec: { subject: { kind: 'gateway' }, expiresAt: '2026-01-01T00:00:00Z' } },
    },
    { type: 'TokenCreated', data: { name: 'gone', secretHash: gone.secretHash, spec: { subject: { kind: 'node', node: 'n1' } } } },
    { type: 'TokenRevoked', data: { name: 'gone' } },
  ];
  const { state, verdicts } = foldAll(events);
  expect(verdicts.every((v) => v.accepted)).toBe(true);
  return { state, alice: alice.token, old: old.token, gone: gone.token };
}

describe('authenticate', () => {
  it('knows a valid token and the roles it carries', () => {
    const { state, alice } = withTokens();
    expect(authenticate(state, `Bearer ${alice}`, NOW)).toEqual({
      ok: true,
      principal: { kind: 'user', name: 'alice', roles: [{ role: 'developer', namespaces: ['a'] }] },
    });
  });

  it('refuses a missing, malformed, wrong, revoked or expired token, saying which without naming tokens that exist', () => {
    const { state, alice, old, gone } = withTokens();
    const failure = (header: string | undefined) => {
      const result = authenticate(state, header, NOW);
      return result.ok ? 'ok' : result.failure;
    };
    expect(failure(undefined)).toBe('missing');
    expect(failure('Basic abc')).toBe('malformed');
    expect(failure(`Bearer ${alice.slice(0, -1)}${alice.endsWith('0') ? '1' : '0'}`)).toBe('invalid');
    expect(failure(`Bearer ${alice.replace('alice', 'nobody')}`)).toBe('invalid');
    expect(failure(`Bearer ${gone}`)).toBe('invalid');
    expect(failure(`Bearer ${old}`)).toBe('expired');
  });

  it('refuses a second token of the same name and a role in a namespace that does not exist', () => {
    const { state } = withTokens();
    const again = newTokenSecret('alice');
    const { verdicts } = foldAll(
      [
        { type: 'TokenCreated', data: { name: 'alice', secretHash: again.secretHash, spec: { subject: { kind: 'gateway' } } } },
        {
          type: 'TokenCreated',
          data: { name: 'bob', secretHash: again.secretHash, spec: { subject: { kind: 'user', roles: [{ role: 'viewer', namespaces: ['zz'] }] } } },
        },
      ],
      state,
    );
    expect(verdicts.map((v) => (v.accepted ? 'ok' : v.code))).toEqual(['already-exists', 'not-found']);
  });
});
