import { authenticate, authorize, keyOf, type AuthenticationFailure, type ClusterState, type Principal } from '@tide/core';

/**
 * Whether a call may reach a function: `public` (its access is public: nobody is asked), `allowed`
 * (a token function, and the caller's token may invoke in its namespace), or why not: no valid
 * token (the gateway answers 401) or a valid token without the right (403).
 */
export type InvocationAccess =
  | { kind: 'public' }
  | { kind: 'allowed'; principal: Principal }
  | { kind: 'unauthenticated'; failure: AuthenticationFailure; message: string }
  | { kind: 'forbidden'; message: string };

const PUBLIC: InvocationAccess = { kind: 'public' };

/**
 * The decision for one call of `namespace/name`, against the tokens in the folded state: so a
 * revocation holds from the moment the gateway has folded it. A user holding admin, developer or
 * invoker in the namespace (or "*") may invoke; a viewer and Tide's components may not. A function
 * the state does not hold has no access to ask for (the route lookup answers 404 for it).
 */
export function invocationAccess(
  state: ClusterState,
  target: { namespace: string; name: string },
  authorization: string | undefined,
  now: number,
): InvocationAccess {
  const fn = state.functions.get(keyOf(target.namespace, target.name));
  if (fn?.spec.access !== 'token') return PUBLIC;
  const what = `function ${target.namespace}/${target.name} needs a token (access: token)`;
  const who = authenticate(state, authorization, now);
  if (!who.ok) return { kind: 'unauthenticated', failure: who.failure, message: `${what}: ${who.message}` };
  const decision = authorize(who.principal, { verb: 'invoke', resource: 'functions', namespace: target.namespace });
  return decision.allowed ? { kind: 'allowed', principal: who.principal } : { kind: 'forbidden', message: decision.reason };
}
