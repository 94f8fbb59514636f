import { ALL_NAMESPACES, type RoleBinding, type UserRole } from '../resources/token.js';
import type { Principal } from './principal.js';

export const VERBS = ['get', 'list', 'watch', 'create', 'update', 'delete', 'invoke', 'join'] as const;
export type Verb = (typeof VERBS)[number];

/**
 * What a request touches. Namespaced resources name their namespace; cluster-scoped ones
 * (nodes, tokens, the raw log, cluster-wide lists) leave it out. A Namespace object itself is
 * named by `namespace` too: reading it is a namespace's business, changing it (its quota) is not.
 */
export const RESOURCES = [
  'namespaces',
  'functions',
  'revisions',
  'pods',
  'nodes',
  'triggers',
  'secrets',
  /**
   * The opened values of the secrets a pod names (envFrom): for the node the pod is bound to, and
   * no person (one who may write a secret never reads it back; Kubernetes' node authorizer).
   */
  'pod-secrets',
  'tokens',
  'artifacts',
  'activations',
  'topics',
  'events',
  'logs',
  'metrics',
  /** The raw event log (`/apis/tide.dev/v1/log`): Tide's own components only, never a person. */
  'log',
] as const;
export type Resource = (typeof RESOURCES)[number];

export interface Access {
  verb: Verb;
  resource: Resource;
  namespace?: string;
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

const READS: readonly Verb[] = ['get', 'list', 'watch'];
/** What a developer changes in its namespaces; the rest (namespaces, quotas, nodes, tokens) is an admin's. */
const DEVELOPER_WRITES: readonly Resource[] = ['functions', 'revisions', 'triggers', 'secrets', 'artifacts', 'topics', 'activations', 'pods'];
/** Kept from viewers, as Kubernetes' view role keeps secrets from its holders. */
const NOT_FOR_VIEWERS: readonly Resource[] = ['secrets', 'log', 'tokens'];

const ALLOWED: Decision = { allowed: true };

function covers(binding: RoleBinding, namespace: string | undefined): boolean {
  if (binding.namespaces.includes(ALL_NAMESPACES)) return true;
  return namespace !== undefined && binding.namespaces.includes(namespace);
}

/** Whether one role, held where it applies, allows the access. */
function roleAllows(role: UserRole, access: Access, clusterWide: boolean): boolean {
  const { verb, resource } = access;
  if (resource === 'log' || resource === 'pod-secrets') return false;
  if (verb === 'join') return false;
  if (role === 'invoker') return verb === 'invoke' && resource === 'functions';
  if (verb === 'invoke') return resource === 'functions' && role !== 'viewer';
  const read = READS.includes(verb);
  if (role === 'viewer') return read && !NOT_FOR_VIEWERS.includes(resource);
  if (role === 'developer') {
    if (read) return resource !== 'tokens' && (resource !== 'nodes' || clusterWide);
    return DEVELOPER_WRITES.includes(resource);
  }
  // admin: in its namespaces everything; a namespace's quota, nodes and tokens only cluster-wide.
  if (resource === 'tokens' || resource === 'nodes' || resource === 'metrics') return clusterWide;
  if (resource === 'namespaces' && !read) return clusterWide;
  return true;
}

/** What each component needs of the API, and nothing more (the fold judges what it appends). */
function componentAllows(principal: Exclude<Principal, { kind: 'user' }>, access: Access): boolean {
  const { verb, resource } = access;
  switch (principal.kind) {
    case 'control-plane':
      return true;
    case 'node-bootstrap':
      return resource === 'nodes' && verb === 'join';
    case 'node':
      // Besides the log and its pods' artifacts: the records API, which publishes its pods' queue
      // sends (`env.QUEUE.send()`) to their namespaces' topics (node-agent records-api.ts).
      // And the values of the secrets its pods name (the route checks the pod is bound to it).
      return (
        resource === 'log' ||
        (resource === 'artifacts' && verb === 'get') ||
        (resource === 'topics' && verb === 'create') ||
        (resource === 'pod-secrets' && verb === 'get')
      );
    case 'gateway':
      return resource === 'log';
    case 'triggers':
      return resource === 'log';
  }
}

/**
 * The authorisation decision: pure, so the whole matrix of roles, components, resources and
 * verbs is tested without a server. Namespaced access needs a binding that names the namespace
 * (or "*"); cluster-scoped access needs a "*" binding.
 */
export function authorize(principal: Principal, access: Access): Decision {
  if (principal.kind !== 'user') {
    return componentAllows(principal, access)
      ? ALLOWED
      : { allowed: false, reason: `${principal.kind} ${principal.name} may not ${access.verb} ${access.resource}` };
  }
  for (const binding of principal.roles) {
    const clusterWide = binding.namespaces.includes(ALL_NAMESPACES);
    if (access.namespace === undefined && !clusterWide) continue;
    if (!covers(binding, access.namespace)) continue;
    if (roleAllows(binding.role, access, clusterWide)) return ALLOWED;
  }
  const where = access.namespace === undefined ? 'cluster-wide' : `in namespace ${access.namespace}`;
  return { allowed: false, reason: `token ${principal.name} may not ${access.verb} ${access.resource} ${where}` };
}

/** Whether a principal holds any role in a namespace: when it does not, a 404 hides what exists there. */
export function seesNamespace(principal: Principal, namespace: string): boolean {
  if (principal.kind !== 'user') return principal.kind === 'control-plane';
  return principal.roles.some((binding) => binding.role !== 'invoker' && covers(binding, namespace));
}

/** Whether plain env values of functions in a namespace may be shown (else they are redacted). */
export function readsValues(principal: Principal, namespace: string): boolean {
  if (principal.kind !== 'user') return principal.kind === 'control-plane';
  return principal.roles.some((binding) => (binding.role === 'admin' || binding.role === 'developer') && covers(binding, namespace));
}
