import type { Context, MiddlewareHandler, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { NamespaceLimiter } from '@tide/core';
import { ApiError, RateLimitedError } from './errors.js';
import type { ControlPlaneDeps } from './deps.js';

const WRITE_METHODS = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);
const BODY_METHODS = new Set(['PUT', 'POST', 'PATCH']);

/** The body of a write past `maxBytes` is 413 naming the limit (on Content-Length at once, else as it streams). */
export function apiBodyLimit(maxBytes: number, what: string, limitName: string): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, 'RequestEntityTooLarge', `request body (${what}) exceeds the limit of ${maxBytes} bytes (${limitName})`);
    },
  });
  return (c: Context, next: Next) => (BODY_METHODS.has(c.req.method) ? limit(c, next) : next());
}

/**
 * Writes in a namespace (`/namespaces/<ns>` and below) draw on its writesPerSecond token bucket;
 * over it, 429 with Retry-After. Only an admin on "*" may set that quota (route-access.ts).
 */
export function namespaceWriteLimit(deps: ControlPlaneDeps, prefix: string, nowMs: () => number): MiddlewareHandler {
  const limiter = new NamespaceLimiter('writes', (ns) => deps.store.state().namespaces.get(ns)?.spec.quota);
  const namespaces = `${prefix}/namespaces/`;
  return async (c, next) => {
    if (!WRITE_METHODS.has(c.req.method) || !c.req.path.startsWith(namespaces)) return next();
    const namespace = decodedSegment(c.req.path.slice(namespaces.length).split('/')[0] ?? '');
    // Not valid percent-encoding: no namespace has that name, and the route answers 400 naming it.
    if (namespace === undefined) return next();
    const decision = limiter.take(namespace, nowMs());
    if (decision.kind === 'limited') throw new RateLimitedError(decision.message, decision.retryAfterSeconds);
    return next();
  };
}

function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
