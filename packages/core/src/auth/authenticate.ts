import type { ClusterState } from '../state.js';
import type { Principal } from './principal.js';
import { parseToken, secretMatches } from './token-secret.js';

export type AuthenticationFailure = 'missing' | 'malformed' | 'invalid' | 'expired';

export type Authentication = { ok: true; principal: Principal } | { ok: false; failure: AuthenticationFailure; message: string };

/** Compared against when no token has the name given, so an unknown name costs a hash like a known one. */
const NO_SUCH_TOKEN = '0'.repeat(64);

/**
 * Checks an `Authorization: Bearer ...` value against the tokens in state. Unknown, revoked and
 * wrong secrets get one answer, so a caller learns nothing about which tokens exist.
 */
export function authenticate(state: ClusterState, authorization: string | undefined, now: number): Authentication {
  if (authorization === undefined || authorization === '')
    return { ok: false, failure: 'missing', message: 'a bearer token is required: Authorization: Bearer <token> (see `tide login`)' };
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
  const parsed = match ? parseToken(match[1]!) : undefined;
  if (!parsed) return { ok: false, failure: 'malformed', message: 'the Authorization header is not "Bearer tide_<name>_<secret>"' };
  const token = state.tokens.get(parsed.name);
  const matches = secretMatches(parsed.secret, token?.secretHash ?? NO_SUCH_TOKEN);
  if (!token || !matches) return { ok: false, failure: 'invalid', message: 'the bearer token is not valid (unknown, revoked or wrong)' };
  if (token.spec.expiresAt !== undefined && Date.parse(token.spec.expiresAt) <= now)
    return { ok: false, failure: 'expired', message: `the bearer token ${parsed.name} expired at ${token.spec.expiresAt}` };
  const subject = token.spec.subject;
  const name = token.metadata.name;
  switch (subject.kind) {
    case 'user':
      return { ok: true, principal: { kind: 'user', name, roles: subject.roles } };
    case 'node':
      return { ok: true, principal: { kind: 'node', name, node: subject.node } };
    default:
      return { ok: true, principal: { kind: subject.kind, name } };
  }
}
