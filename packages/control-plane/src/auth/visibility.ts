import { authorize, RESOURCES, readsValues, sealedBytes, subjectOf, type FunctionEnv, type LoggedEvent, type Principal, type Resource } from '@tide/core';

/** What a redacted env value reads as (the key stays: which variables a function has is not secret). */
export const REDACTED = '(redacted)';

/**
 * Whether a cluster-wide list shows an item of a namespace (undefined: a cluster-scoped item):
 * what the principal could list in that namespace itself.
 */
export function listsIn(principal: Principal, resource: Resource): (namespace: string | undefined) => boolean {
  return (namespace) => authorize(principal, { verb: 'list', resource, ...(namespace === undefined ? {} : { namespace }) }).allowed;
}

/**
 * Whether an event of the state log is shown to a watcher: as the principal may watch the kind
 * the event is about (its subject's collection: a viewer sees functions' events but not secrets'),
 * in the event's namespace, or cluster-wide for cluster-scoped kinds (nodes, tokens, leadership).
 */
export function seesEvent(principal: Principal): (event: LoggedEvent) => boolean {
  return (event) => {
    const [collection, first, second] = subjectOf(event).split('/');
    const resource: Resource = (RESOURCES as readonly string[]).includes(collection!) ? (collection as Resource) : 'events';
    if (second !== undefined) return authorize(principal, { verb: 'watch', resource, namespace: first! }).allowed;
    if (collection === 'namespaces') return authorize(principal, { verb: 'get', resource: 'namespaces', namespace: first! }).allowed;
    return authorize(principal, { verb: 'watch', resource }).allowed;
  };
}

type WithEnv = { spec: { env?: FunctionEnv } };

/** Plain values redacted; a secretKeyRef stays, as envFrom does: it names a secret and a key, never a value. */
function redactedEnv<T extends WithEnv>(object: T): T {
  const env = object.spec.env;
  if (!env || Object.keys(env).length === 0) return object;
  const shown = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, typeof value === 'string' ? REDACTED : value]));
  return { ...object, spec: { ...object.spec, env: shown } };
}

/**
 * A Function or Revision as the principal may see it: plain env values only for roles that may
 * read them (readsValues: admin, developer), as Kubernetes keeps secrets from its view role.
 */
export function shownObject<T>(principal: Principal, namespace: string | undefined, object: T): T {
  const kind = (object as { kind?: unknown }).kind;
  if (namespace === undefined || (kind !== 'Function' && kind !== 'Revision')) return object;
  return readsValues(principal, namespace) ? object : (redactedEnv(object as T & WithEnv) as T);
}

/**
 * An event as a watcher sees it: never a token's secret hash (only the fold needs it), never a
 * secret's sealed values (key names and sizes instead, as the secrets API shows them), and a
 * function's env values only for who may read them.
 */
export function shownEvent(principal: Principal, event: LoggedEvent): LoggedEvent {
  if (event.type === 'SecretApplied') {
    const { data: sealed, ...data } = event.data;
    const keys = Object.fromEntries(Object.entries(sealed).map(([key, value]) => [key, sealedBytes(value)]));
    return { ...event, data: { ...data, keys } } as unknown as LoggedEvent;
  }
  if (event.type === 'TokenCreated') {
    const { secretHash: _hash, ...data } = event.data;
    return { ...event, data } as unknown as LoggedEvent;
  }
  if (event.type === 'FunctionApplied' && !readsValues(principal, event.data.namespace))
    return { ...event, data: { ...event.data, manifest: redactedEnv(event.data.manifest) } };
  return event;
}
