import { z } from 'zod';

/**
 * How a node isolates the pods it runs, as its agent says when it registers. Unsandboxed, a pod
 * runs as the agent's own user and sees what the agent sees, so such a node runs one tenant's code:
 * namespace `default`'s, unless its operator declared every namespace one tenant
 * (`--insecure-single-tenant`).
 */
export const PodIsolation = z
  .object({
    sandbox: z.enum(['bwrap', 'none']),
    insecureSingleTenant: z.boolean().default(false),
  })
  .strict();
export type PodIsolation = z.infer<typeof PodIsolation>;

/** The namespace whose code an unsandboxed node runs when it was not told every namespace is one tenant. */
export const UNSANDBOXED_TENANT = 'default';

/**
 * Why a node with `isolation` must not run namespace `namespace`'s code, or undefined when it may.
 * A node registered without saying (an agent older than the field) is taken at its word, as before.
 */
export function isolationRefusal(isolation: PodIsolation | undefined, namespace: string): string | undefined {
  if (isolation?.sandbox !== 'none' || isolation.insecureSingleTenant || namespace === UNSANDBOXED_TENANT) return undefined;
  return `does not sandbox pods, so it runs namespace ${UNSANDBOXED_TENANT}'s code only (run its agent as root with bubblewrap, or start it with --insecure-single-tenant)`;
}
