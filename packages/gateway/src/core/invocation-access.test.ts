import { describe, expect, it } from 'vitest';
import { newTokenSecret, type ClusterState, type EventEnvelope, type TokenSpec } from '@tide/core';
import { foldAll, functionManifest, newestRules } from '@tide/core/testing';
import { invocationAccess } from './invocation-access.js';

type Input = Omit<EventEnvelope, 'id' | 'time'>;
const NOW = Date.parse('2026-12-07T00:00:00Z');
const user = (role: string, namespaces: string[]): TokenSpec['subject'] => ({ kind: 'user', roles: [{ role, namespaces }] }) as TokenSpec['subject'];

/** Given: namespaces a and b, `a/open` (public), `a/locked` (token), and one token per subject below. */
function given(): { state: ClusterState; tokens: Record<string, string> } {
  const subjects: Record<string, { subject: TokenSpec['subject']; expiresAt?: string }> = {
    invoker: { subject: user('invoker', ['a']) },
    developer: { subject: user('developer', ['a']) },
    admin: { subject: user('admin', ['*']) },
    viewer: { subject: user('viewer', ['a']) },
    elsewhere: { subject: user('developer', ['b']) },
    gateway: { subject: { kind: 'gateway' } },
    old: { subject: user('invoker', ['a']), expiresAt: '2026-01-01T00:00:00Z' },
    gone: { subject: user('invoker', ['a']) },
  };
  const tokens: Record<string, string> = {};
  const events: Input[] = [
    ...(newestRules() as Input[]),
    { type: 'NamespaceApplied', data: { name: 'a', labels: {}, annotations: {} } },
    { type: 'NamespaceApplied', data: { name: 'b', labels: {}, annotations: {} } },
    { type: 'FunctionApplied', data: { namespace: 'a', manifest: functionManifest('open') } },
    { type: 'FunctionApplied', data: { namespace: 'a', manifest: functionManifest('locked', { access: 'token' }) } },
  ];
  for (const [name, spec] of Object.entries(subjects)) {
    const made = newTokenSecret(name);
    tokens[name] = made.token;
    events.push({ type: 'TokenCreated', data: { name, secretHash: made.secretHash, spec } });
  }
  events.push({ type: 'TokenRevoked', data: { name: 'gone' } });
  const { state, verdicts } = foldAll(events);
  expect(verdicts.filter((v) => !v.accepted)).toEqual([]);
  return { state, tokens };
}

describe('invocationAccess', () => {
  const { state, tokens } = given();
  const locked = { namespace: 'a', name: 'locked' };
  const kindOf = (authorization: string | undefined, target = locked) => {
    const access = invocationAccess(state, target, authorization, NOW);
    return access.kind === 'unauthenticated' ? `unauthenticated:${access.failure}` : access.kind;
  };

  it('asks nothing of a call to a public function, whatever it carries', () => {
    expect(kindOf(undefined, { namespace: 'a', name: 'open' })).toBe('public');
    expect(kindOf('Bearer nonsense', { namespace: 'a', name: 'open' })).toBe('public');
  });

  it('asks nothing of a function the state does not hold (its route answers 404)', () => {
    expect(kindOf(undefined, { namespace: 'a', name: 'nope' })).toBe('public');
  });

  it('lets an invoker, a developer of its namespace and an admin of every namespace call a token function', () => {
    for (const name of ['invoker', 'developer', 'admin']) expect(kindOf(`Bearer ${tokens[name]}`), name).toBe('allowed');
    expect(invocationAccess(state, locked, `Bearer ${tokens.invoker}`, NOW)).toMatchObject({ kind: 'allowed', principal: { kind: 'user', name: 'invoker' } });
  });

  it('refuses a missing, malformed, unknown, revoked or expired token, saying which', () => {
    expect(kindOf(undefined)).toBe('unauthenticated:missing');
    expect(kindOf('')).toBe('unauthenticated:missing');
    expect(kindOf('Basic dXNlcjpwYXNz')).toBe('unauthenticated:malformed');
    expect(kindOf('Bearer tide_x')).toBe('unauthenticated:malformed');
    expect(kindOf(`Bearer ${tokens.invoker!.replace('tide_invoker_', 'tide_nobody_')}`)).toBe('unauthenticated:invalid');
    expect(kindOf(`Bearer ${tokens.invoker!.slice(0, -1)}${tokens.invoker!.endsWith('0') ? '1' : '0'}`)).toBe('unauthenticated:invalid');
    expect(kindOf(`Bearer ${tokens.gone}`)).toBe('unauthenticated:invalid');
    expect(kindOf(`Bearer ${tokens.old}`)).toBe('unauthenticated:expired');
    const refused = invocationAccess(state, locked, undefined, NOW);
    expect(refused.kind === 'unauthenticated' && refused.message).toContain('function a/locked needs a token (access: token)');
  });

  it('forbids a valid token without the right: a viewer, a developer of another namespace, a component', () => {
    for (const name of ['viewer', 'elsewhere', 'gateway']) expect(kindOf(`Bearer ${tokens[name]}`), name).toBe('forbidden');
    expect(invocationAccess(state, locked, `Bearer ${tokens.viewer}`, NOW)).toEqual({
      kind: 'forbidden',
      message: 'token viewer may not invoke functions in namespace a',
    });
  });

  it('judges expiry by the time it is given', () => {
    const before = Date.parse('2025-12-31T00:00:00Z');
    expect(invocationAccess(state, locked, `Bearer ${tokens.old}`, before).kind).toBe('allowed');
  });
});
