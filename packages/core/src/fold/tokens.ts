import type { EventOf } from '../events.js';
import { rejected, type ClusterState } from '../state.js';
import { API_VERSION } from '../resources/meta.js';
import type { Token } from '../resources/token.js';
import { newMeta, type FoldContext, type HandlerResult } from './context.js';

/** A token is created once and never changed: a new scope is a new token, so a leaked old one stays as weak as it was. */
export function tokenCreated(state: ClusterState, event: EventOf<'TokenCreated'>, ctx: FoldContext): HandlerResult {
  const { name, spec, secretHash } = event.data;
  if (state.tokens.has(name)) return { rejected: rejected('already-exists', `token ${name} already exists`) };
  if (spec.subject.kind === 'user') {
    for (const binding of spec.subject.roles)
      for (const namespace of binding.namespaces)
        if (namespace !== '*' && !state.namespaces.has(namespace)) return { rejected: rejected('not-found', `namespace ${namespace} not found`) };
  }
  const token: Token = { apiVersion: API_VERSION, kind: 'Token', metadata: newMeta(ctx, name, undefined), spec, secretHash };
  return { state: { ...state, tokens: state.tokens.set(name, token) } };
}

/** Revoked = gone from state: every process folding the log refuses it from this offset on. */
export function tokenRevoked(state: ClusterState, event: EventOf<'TokenRevoked'>): HandlerResult {
  const { name } = event.data;
  if (!state.tokens.has(name)) return { rejected: rejected('not-found', `token ${name} not found`) };
  return { state: { ...state, tokens: state.tokens.delete(name) } };
}
