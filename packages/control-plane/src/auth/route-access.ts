import type { Access, Resource, Verb } from '@tide/core';

export const API_PREFIX = '/apis/tide.dev/v1';

/**
 * What a route needs of its caller:
 * - `public`: nothing (probes and the API description);
 * - `authenticated`: any valid token (whoami);
 * - an access: `namespace` names the path parameter (or `?namespace=` query) that holds the
 *   namespace; `filtered` marks a cluster-wide list that any user may call and that answers only
 *   the items the caller may see (the route filters them), as `kubectl get -A` would if it could.
 */
export type AccessRule =
  | 'public'
  | 'authenticated'
  | { verb: Verb; resource: Resource; namespace?: { param: string } | { query: string; default: string }; filtered?: true };

export interface RouteEntry {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Hono's pattern: `:name` segments are parameters. */
  path: string;
  rule: AccessRule;
}

const ns = { param: 'ns' } as const;
const read = (resource: Resource, namespaced = false): AccessRule => ({ verb: 'get', resource, ...(namespaced ? { namespace: ns } : {}) });

function collectionRoutes(plural: 'functions' | 'revisions' | 'pods' | 'triggers'): RouteEntry[] {
  return [
    { method: 'GET', path: `${API_PREFIX}/${plural}`, rule: { verb: 'list', resource: plural, filtered: true } },
    { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/${plural}`, rule: { verb: 'list', resource: plural, namespace: ns } },
    { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/${plural}/:name`, rule: read(plural, true) },
  ];
}

/** Every route the control plane serves, with what it needs: the one place that says so. */
export const ROUTE_ACCESS: readonly RouteEntry[] = [
  { method: 'GET', path: '/healthz', rule: 'public' },
  { method: 'GET', path: '/readyz', rule: 'public' },
  { method: 'GET', path: '/openapi.json', rule: 'public' },
  { method: 'GET', path: `${API_PREFIX}/whoami`, rule: 'authenticated' },

  { method: 'POST', path: `${API_PREFIX}/tokens`, rule: { verb: 'create', resource: 'tokens' } },
  { method: 'GET', path: `${API_PREFIX}/tokens`, rule: { verb: 'list', resource: 'tokens' } },
  { method: 'GET', path: `${API_PREFIX}/tokens/:name`, rule: { verb: 'get', resource: 'tokens' } },
  { method: 'DELETE', path: `${API_PREFIX}/tokens/:name`, rule: { verb: 'delete', resource: 'tokens' } },

  { method: 'GET', path: `${API_PREFIX}/namespaces`, rule: { verb: 'list', resource: 'namespaces', filtered: true } },
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns`, rule: read('namespaces', true) },
  // A namespace's quota is the cluster admin's to set (authorize: namespaces are written cluster-wide only).
  { method: 'PUT', path: `${API_PREFIX}/namespaces/:ns`, rule: { verb: 'update', resource: 'namespaces', namespace: ns } },
  { method: 'DELETE', path: `${API_PREFIX}/namespaces/:ns`, rule: { verb: 'delete', resource: 'namespaces', namespace: ns } },

  { method: 'GET', path: `${API_PREFIX}/nodes`, rule: { verb: 'list', resource: 'nodes' } },
  { method: 'GET', path: `${API_PREFIX}/nodes/:name`, rule: read('nodes') },
  { method: 'DELETE', path: `${API_PREFIX}/nodes/:name`, rule: { verb: 'delete', resource: 'nodes' } },
  { method: 'POST', path: `${API_PREFIX}/nodes/:name/cordon`, rule: { verb: 'update', resource: 'nodes' } },
  { method: 'POST', path: `${API_PREFIX}/nodes/:name/uncordon`, rule: { verb: 'update', resource: 'nodes' } },
  { method: 'POST', path: `${API_PREFIX}/nodes/:name/drain`, rule: { verb: 'update', resource: 'nodes' } },
  { method: 'POST', path: `${API_PREFIX}/nodes/:name/join`, rule: { verb: 'join', resource: 'nodes' } },

  ...collectionRoutes('functions'),
  { method: 'PUT', path: `${API_PREFIX}/namespaces/:ns/functions/:name`, rule: { verb: 'update', resource: 'functions', namespace: ns } },
  { method: 'DELETE', path: `${API_PREFIX}/namespaces/:ns/functions/:name`, rule: { verb: 'delete', resource: 'functions', namespace: ns } },
  { method: 'POST', path: `${API_PREFIX}/namespaces/:ns/functions/:name/rollback`, rule: { verb: 'update', resource: 'functions', namespace: ns } },
  // The load gateways recorded for a function: part of reading the function.
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/functions/:name/metrics`, rule: read('functions', true) },
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/functions/:name/logs`, rule: read('logs', true) },
  // `tide top`: functions' load and replicas, as listing them (cluster-wide: the namespaces the caller may list).
  { method: 'GET', path: `${API_PREFIX}/top/functions`, rule: { verb: 'list', resource: 'functions', filtered: true } },
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/top/functions`, rule: { verb: 'list', resource: 'functions', namespace: ns } },
  { method: 'GET', path: `${API_PREFIX}/top/nodes`, rule: { verb: 'list', resource: 'nodes' } },
  // Why a function's pods are as they are (the chain of events from the state log): part of reading them.
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/functions/:name/explain`, rule: read('functions', true) },
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/pods/:name/explain`, rule: read('pods', true) },
  ...collectionRoutes('revisions'),
  ...collectionRoutes('pods'),
  ...collectionRoutes('triggers'),
  { method: 'POST', path: `${API_PREFIX}/namespaces/:ns/triggers`, rule: { verb: 'create', resource: 'triggers', namespace: ns } },
  { method: 'PUT', path: `${API_PREFIX}/namespaces/:ns/triggers/:name`, rule: { verb: 'update', resource: 'triggers', namespace: ns } },
  { method: 'DELETE', path: `${API_PREFIX}/namespaces/:ns/triggers/:name`, rule: { verb: 'delete', resource: 'triggers', namespace: ns } },

  // Secrets: names and sizes to whoever may get them (not viewers); values to the node of a pod that names them.
  { method: 'GET', path: `${API_PREFIX}/secrets`, rule: { verb: 'list', resource: 'secrets', filtered: true } },
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/secrets`, rule: { verb: 'list', resource: 'secrets', namespace: ns } },
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/secrets/:name`, rule: read('secrets', true) },
  { method: 'PUT', path: `${API_PREFIX}/namespaces/:ns/secrets/:name`, rule: { verb: 'update', resource: 'secrets', namespace: ns } },
  { method: 'DELETE', path: `${API_PREFIX}/namespaces/:ns/secrets/:name`, rule: { verb: 'delete', resource: 'secrets', namespace: ns } },
  { method: 'POST', path: `${API_PREFIX}/secrets/reencrypt`, rule: { verb: 'update', resource: 'secrets' } },
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/pods/:name/secret-env`, rule: read('pod-secrets', true) },

  // An upload without a namespace in its path is for ?namespace=, else default (artifacts.ts).
  {
    method: 'POST',
    path: `${API_PREFIX}/artifacts`,
    rule: { verb: 'create', resource: 'artifacts', namespace: { query: 'namespace', default: 'default' } },
  },
  { method: 'GET', path: `${API_PREFIX}/artifacts/:digest`, rule: read('artifacts') },
  { method: 'POST', path: `${API_PREFIX}/namespaces/:namespace/artifacts`, rule: { verb: 'create', resource: 'artifacts', namespace: { param: 'namespace' } } },
  {
    method: 'GET',
    path: `${API_PREFIX}/namespaces/:namespace/artifacts/:digest`,
    rule: { verb: 'get', resource: 'artifacts', namespace: { param: 'namespace' } },
  },

  { method: 'GET', path: `${API_PREFIX}/events`, rule: { verb: 'watch', resource: 'events', filtered: true } },
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/activations`, rule: { verb: 'list', resource: 'activations', namespace: ns } },
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/activations/:id`, rule: read('activations', true) },
  { method: 'POST', path: `${API_PREFIX}/namespaces/:ns/topics/:topic/records`, rule: { verb: 'create', resource: 'topics', namespace: ns } },
  { method: 'GET', path: `${API_PREFIX}/namespaces/:ns/topics/:topic`, rule: read('topics', true) },

  // The raw log: Tide's own components only (authorize gives it to no person).
  { method: 'GET', path: `${API_PREFIX}/log/:topic`, rule: read('log') },
  { method: 'POST', path: `${API_PREFIX}/log/:topic`, rule: { verb: 'create', resource: 'log' } },
  { method: 'GET', path: `${API_PREFIX}/log/:topic/end`, rule: read('log') },
  { method: 'GET', path: `${API_PREFIX}/log/:topic/groups/:group`, rule: read('log') },
  { method: 'PUT', path: `${API_PREFIX}/log/:topic/groups/:group`, rule: { verb: 'update', resource: 'log' } },
];

/** What one request needs: its route's rule resolved against its path and query. */
export type RequiredAccess =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'access'; access: Access; filtered: boolean }
  /** No route has this method and path: refused (404) to all but the control plane, so a route left out of the table is never open. */
  | { kind: 'unknown' };

const WATCHES = new Set(['true', '1']);

/**
 * The access a request needs, from its method, its path as sent (still percent-encoded) and its
 * query. A list asked to watch (`?watch=true`) is a watch.
 */
export function requiredAccess(method: string, rawPath: string, query: (name: string) => string | undefined): RequiredAccess {
  const wanted = method === 'HEAD' ? 'GET' : method;
  const segments = rawPath.split('/');
  for (const entry of ROUTE_ACCESS) {
    if (entry.method !== wanted) continue;
    const params = match(entry.path, segments);
    if (!params) continue;
    const { rule } = entry;
    if (rule === 'public' || rule === 'authenticated') return { kind: rule };
    const verb = rule.verb === 'list' && WATCHES.has(query('watch') ?? '') ? 'watch' : rule.verb;
    const namespace =
      rule.namespace === undefined
        ? undefined
        : 'param' in rule.namespace
          ? params[rule.namespace.param]
          : (query(rule.namespace.query) ?? rule.namespace.default);
    return { kind: 'access', access: { verb, resource: rule.resource, ...(namespace === undefined ? {} : { namespace }) }, filtered: rule.filtered === true };
  }
  return { kind: 'unknown' };
}

/** The path's parameters if it has the pattern's shape (parameters decoded), else undefined. */
function match(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const segment = segments[i]!;
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      params[part.slice(1)] = decoded(segment);
    } else if (part !== segment) return undefined;
  }
  return params;
}

/** Not valid percent-encoding: kept as sent, which names no namespace anyone holds a role in. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
