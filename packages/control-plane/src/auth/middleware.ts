import type { Context, MiddlewareHandler } from 'hono';
import type { ClusterState } from '@tide/core';
import { type ApiError, RateLimitedError } from '../errors.js';
import { IN_PROCESS } from './context.js';
import { Gatekeeper, type AuthenticationOptions } from './gatekeeper.js';
import { requiredAccess } from './route-access.js';

/** The peer's address as the socket has it (a proxy's X-Forwarded-For is not trusted: anyone can send it). */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/** What a refusal says besides its body: how to authenticate (401), when to come back (429). */
export function refusalHeaders(error: ApiError): Record<string, string> {
  if (error.status === 401) return { 'WWW-Authenticate': 'Bearer realm="tide"' };
  if (error instanceof RateLimitedError) return { 'Retry-After': String(error.retryAfterSeconds) };
  return {};
}

/**
 * Every route but the public ones (route-access.ts) needs a token: sets `principal`, or answers
 * 401 (with WWW-Authenticate), 403, 404 (a namespace the caller has no role in) or 429. Without
 * `options` (in-process route tests) every request is the control plane's own.
 */
export function authentication(state: () => ClusterState, options: AuthenticationOptions | undefined): MiddlewareHandler {
  if (options === undefined) {
    return async (c, next) => {
      c.set('principal', IN_PROCESS);
      await next();
    };
  }
  const gatekeeper = options.gatekeeper ?? new Gatekeeper(state, options);
  return async (c, next) => {
    const required = requiredAccess(c.req.method, c.req.path, (name) => c.req.query(name));
    if (required.kind === 'public') return next();
    const admission = gatekeeper.admit(required, c.req.header('authorization'), clientAddress(c));
    if (!admission.ok) {
      const { error } = admission;
      for (const [name, value] of Object.entries(refusalHeaders(error))) c.header(name, value);
      return c.json(error.toStatus(), error.status);
    }
    c.set('principal', admission.principal);
    await next();
  };
}
