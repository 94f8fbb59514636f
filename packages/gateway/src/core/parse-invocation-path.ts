/** Where a `/fn/{namespace}/{name}/{rest...}` request goes. */
export interface InvocationTarget {
  readonly kind: 'target';
  readonly namespace: string;
  readonly name: string;
  /** From `/fn/{namespace}/{name}@{tag}/...`: the revision traffic tags with this name. */
  readonly tag?: string;
  /** `/{rest}` (or `/`) plus the original query string, as sent to the pod. */
  readonly upstreamPath: string;
  /** `/fn/{namespace}/{name}`: what the gateway stripped, for `x-forwarded-prefix`. */
  readonly prefix: string;
}

export interface InvalidInvocationPath {
  readonly kind: 'invalid';
  readonly message: string;
}

export const INVOCATION_PREFIX = '/fn/';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL_MAX = 63;

/** Kubernetes' rule for namespace and function names: lowercase alnum and '-', ≤ 63 chars. */
export function isDns1123Label(value: string): boolean {
  return value.length <= DNS_1123_LABEL_MAX && DNS_1123_LABEL.test(value);
}

/**
 * Splits an origin-form request URL that starts with `/fn/`. The rest of the path and the
 * query are passed on raw (not decoded), so the pod sees exactly what the client sent.
 */
export function parseInvocationPath(url: string): InvocationTarget | InvalidInvocationPath {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : url.slice(queryAt);

  const namespaceEnd = path.indexOf('/', INVOCATION_PREFIX.length);
  const namespace = path.slice(INVOCATION_PREFIX.length, namespaceEnd < 0 ? undefined : namespaceEnd);
  if (!isDns1123Label(namespace)) return invalidSegment('namespace', namespace);
  if (namespaceEnd < 0) return invalidSegment('function name', '');

  const nameEnd = path.indexOf('/', namespaceEnd + 1);
  const segment = path.slice(namespaceEnd + 1, nameEnd < 0 ? undefined : nameEnd);
  const at = segment.indexOf('@');
  const name = at < 0 ? segment : segment.slice(0, at);
  if (!isDns1123Label(name)) return invalidSegment('function name', name);
  const tag = at < 0 ? undefined : segment.slice(at + 1);
  if (tag !== undefined && !isDns1123Label(tag)) return invalidSegment('traffic tag', tag);

  const prefix = nameEnd < 0 ? path : path.slice(0, nameEnd);
  const rest = nameEnd < 0 ? '/' : path.slice(nameEnd);
  return { kind: 'target', namespace, name, ...(tag === undefined ? {} : { tag }), upstreamPath: rest + query, prefix };
}

function invalidSegment(segment: string, value: string): InvalidInvocationPath {
  const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return {
    kind: 'invalid',
    message:
      `invalid ${segment} ${JSON.stringify(shown)} in /fn/{namespace}/{name}: must be a DNS-1123 label ` +
      `(lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
  };
}
