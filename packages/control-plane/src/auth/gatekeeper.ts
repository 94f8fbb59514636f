import {
  authenticate,
  authorize,
  DEFAULT_FAILURE_RATE,
  FailureLimiter,
  seesNamespace,
  systemClock,
  type Access,
  type BucketRate,
  type Clock,
  type ClusterState,
  type Principal,
} from '@tide/core';
import { ApiError, RateLimitedError } from '../errors.js';
import { ANONYMOUS } from './context.js';
import type { RequiredAccess } from './route-access.js';

export interface AuthenticationOptions {
  /** `--anonymous-reads`: a request without a token may get, list and watch what a viewer may (never secrets, tokens or the raw log). */
  anonymousReads?: boolean;
  /** Failed authentications allowed per client address (default: 10 at once, then one every 6 s). */
  failureRate?: BucketRate;
  /** The wall clock tokens expire by, and the failure limit's (default: the system's). */
  clock?: Pick<Clock, 'now'>;
  /** One gatekeeper for every entrance of a process (the API and /metrics), so failures count once. */
  gatekeeper?: Gatekeeper;
}

export type Admission = { ok: true; principal: Principal } | { ok: false; error: ApiError };

const READS = new Set(['get', 'list', 'watch']);

/** 401 as RFC 6750 has it: the client learns it must send a bearer token. */
export class UnauthenticatedError extends ApiError {
  constructor(message: string) {
    super(401, 'Unauthorized', message);
    this.name = 'UnauthenticatedError';
  }
}

/**
 * Who a request is, and whether it may do what it asks: the decision, taken against the tokens
 * in the state this control plane folded (so a revocation holds as soon as it is folded), with
 * failed attempts rate-limited per client address. Shared by the API's middleware and /metrics.
 */
export class Gatekeeper {
  readonly #limiter: FailureLimiter;
  readonly #clock: Pick<Clock, 'now'>;

  constructor(
    private readonly state: () => ClusterState,
    private readonly options: AuthenticationOptions = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#limiter = new FailureLimiter(options.failureRate ?? DEFAULT_FAILURE_RATE, () => this.#clock.now());
  }

  /** The caller, from its Authorization header; `anonymousRead` = the request only reads (anonymous reads may apply). */
  authenticate(authorization: string | undefined, address: string, anonymousRead: boolean): Admission {
    if ((authorization === undefined || authorization === '') && anonymousRead && this.options.anonymousReads) return { ok: true, principal: ANONYMOUS };
    const wait = this.#limiter.blocked(address);
    if (wait !== undefined) return { ok: false, error: new RateLimitedError(`too many failed authentications from ${address}: try again in ${wait} s`, wait) };
    const result = authenticate(this.state(), authorization, this.#clock.now());
    if (result.ok) return result;
    // A request without any token guesses nothing: only wrong, malformed or expired tokens count.
    if (result.failure !== 'missing') this.#limiter.failed(address);
    return { ok: false, error: new UnauthenticatedError(result.message) };
  }

  /** Admits a request to a route of the table, or says why not (401, 403, or 404 where existence would leak). */
  admit(required: RequiredAccess, authorization: string | undefined, address: string): Admission {
    if (required.kind === 'public') throw new Error('a public route needs no admission');
    const reads = required.kind === 'access' && READS.has(required.access.verb);
    const who = this.authenticate(authorization, address, reads);
    if (!who.ok) return who;
    const { principal } = who;
    // Anonymous reads never reach here: whoami is no read (`reads` is false), so it needs a token.
    if (required.kind === 'authenticated') return who;
    if (required.kind === 'unknown') {
      // A route the table does not know is no route anyone but the control plane reaches.
      return principal.kind === 'control-plane' ? who : { ok: false, error: new ApiError(404, 'NotFound', 'no such route') };
    }
    return decide(principal, required.access, required.filtered);
  }
}

function missingToken(): Admission {
  return { ok: false, error: new UnauthenticatedError('a bearer token is required: Authorization: Bearer <token> (see `tide login`)') };
}

/** The decision on an authenticated principal. */
export function decide(principal: Principal, access: Access, filtered: boolean): Admission {
  const decision = authorize(principal, access);
  if (decision.allowed) return { ok: true, principal };
  // A cluster-wide list answers a person what it may see (the route filters): never a 403.
  if (filtered && principal.kind === 'user') return { ok: true, principal };
  if (principal === ANONYMOUS) return missingToken();
  if (access.namespace !== undefined && !seesNamespace(principal, access.namespace))
    return { ok: false, error: new ApiError(404, 'NotFound', `namespace ${access.namespace.slice(0, 80)} not found`) };
  return { ok: false, error: new ApiError(403, 'Forbidden', decision.reason) };
}

/** The control plane's /metrics (Prometheus): a cluster-wide reader, or one of Tide's components. */
export function mayReadMetrics(principal: Principal): boolean {
  if (principal.kind === 'node-bootstrap') return false;
  if (principal.kind !== 'user') return true;
  return principal.roles.some((binding) => binding.role === 'admin' && binding.namespaces.includes('*'));
}
