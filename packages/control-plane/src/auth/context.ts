import type { Principal } from '@tide/core';

declare module 'hono' {
  interface ContextVariableMap {
    /** Who is asking: set by the authentication middleware (auth/middleware.ts) on every API route. */
    principal: Principal;
  }
}

/**
 * The principal of an app built without the `authentication` option (in-process route tests):
 * the control plane itself, which may do anything. `startControlPlane` never builds such an app.
 */
export const IN_PROCESS: Principal = { kind: 'control-plane', name: 'in-process' };

/**
 * Used when anonymous reads are on (`--anonymous-reads`) and a request carries no token: reads
 * everywhere, as a viewer does: no secrets, no tokens, no raw log, env values redacted.
 */
export const ANONYMOUS: Principal = { kind: 'user', name: 'anonymous', roles: [{ role: 'viewer', namespaces: ['*'] }] };
