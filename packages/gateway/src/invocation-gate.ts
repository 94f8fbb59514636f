import { DEFAULT_FAILURE_RATE, FailureLimiter, systemClock, type BucketRate, type Clock, type ClusterState } from '@tide/core';
import { invocationAccess } from './core/invocation-access.js';

/** Why a call may not reach its function: 401 (with the challenge to send), 403 or 429. */
export interface GateRefusal {
  status: 401 | 403 | 429;
  message: string;
  retryAfterSeconds?: number;
  headers?: Readonly<Record<string, string>>;
}

/**
 * Asks of a call to `namespace/name` what the function's access needs (a refusal), or nothing
 * (undefined). `authorization` is the request's Authorization header, `clientAddress` its peer's.
 */
export type InvocationGate = (target: { namespace: string; name: string }, authorization: string | undefined, clientAddress: string) => GateRefusal | undefined;

export interface InvocationGateOptions {
  /** The folded state: its functions' access and its tokens. */
  state: () => ClusterState;
  /** The wall clock tokens expire by, and the failure limit's (default: the system's). */
  clock?: Pick<Clock, 'now'>;
  /** Failed token checks allowed per client address (default: 10 at once, then one every 6 s, as the API's). */
  failureRate?: BucketRate;
}

/** RFC 6750: the client learns to send a bearer token, and whether the one it sent was refused. */
const CHALLENGE = 'Bearer realm="tide"';
const INVALID_TOKEN_CHALLENGE = 'Bearer realm="tide", error="invalid_token"';

/**
 * The gateway's check of calls to `access: token` functions: the pure decision (invocationAccess)
 * against the state as folded now, mapped to statuses here, with failed token checks rate-limited
 * per client address as the API's are, so guessing a token is no faster at the gateway.
 */
export function createInvocationGate(options: InvocationGateOptions): InvocationGate {
  const clock = options.clock ?? systemClock;
  const failures = new FailureLimiter(options.failureRate ?? DEFAULT_FAILURE_RATE, () => clock.now());
  return (target, authorization, clientAddress) => {
    const access = invocationAccess(options.state(), target, authorization, clock.now());
    if (access.kind === 'public') return undefined;
    const wait = failures.blocked(clientAddress);
    if (wait !== undefined)
      return { status: 429, message: `too many failed token checks from ${clientAddress}: try again in ${wait} s`, retryAfterSeconds: wait };
    switch (access.kind) {
      case 'allowed':
        return undefined;
      case 'forbidden':
        return { status: 403, message: access.message };
      case 'unauthenticated':
        // A call without any token guesses nothing: only malformed, wrong or expired tokens count.
        if (access.failure !== 'missing') failures.failed(clientAddress);
        return { status: 401, message: access.message, headers: { 'www-authenticate': access.failure === 'missing' ? CHALLENGE : INVALID_TOKEN_CHALLENGE } };
    }
  };
}
