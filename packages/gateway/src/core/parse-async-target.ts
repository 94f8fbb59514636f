import { parseInvocationHost } from './parse-invocation-host.js';
import { INVOCATION_PREFIX, parseInvocationPath } from './parse-invocation-path.js';

export const ASYNC_PREFIX = '/async/';
/** The header that makes a call to a host route async: `X-Tide-Async: true`. */
export const ASYNC_HEADER = 'x-tide-async';

export type AsyncTarget =
  | { kind: 'async'; namespace: string; name: string /** Path under the function plus query, `/` for none. */; path: string; prefix: string }
  | { kind: 'invalid'; message: string };

/**
 * Which function an async call is for: `/async/{ns}/{name}[/path][?query]`, or a host route
 * (`{name}.{ns}.{domain}`) with `X-Tide-Async: true`. Undefined: not an async call. An async call
 * goes to the function (its traffic split chooses the revision when it runs), never to a tag.
 */
export function parseAsyncTarget(
  url: string,
  host: string | undefined,
  asyncHeader: string | string[] | undefined,
  domain: string | undefined,
): AsyncTarget | undefined {
  if (url.startsWith(ASYNC_PREFIX)) {
    const parsed = parseInvocationPath(INVOCATION_PREFIX + url.slice(ASYNC_PREFIX.length));
    if (parsed.kind === 'invalid') return { kind: 'invalid', message: parsed.message.replace('/fn/{namespace}/{name}', '/async/{namespace}/{name}') };
    if (parsed.tag !== undefined) return { kind: 'invalid', message: `an async call goes to a function, not a traffic tag ("@${parsed.tag}")` };
    return { kind: 'async', namespace: parsed.namespace, name: parsed.name, path: parsed.upstreamPath, prefix: `/async/${parsed.namespace}/${parsed.name}` };
  }
  if (domain === undefined || typeof asyncHeader !== 'string' || asyncHeader.toLowerCase() !== 'true') return undefined;
  const routed = parseInvocationHost(host, domain);
  const candidate = routed?.candidates.find((c) => c.tag === undefined);
  if (routed === undefined || candidate === undefined) return undefined;
  if (!url.startsWith('/')) return { kind: 'invalid', message: `request target ${JSON.stringify(url.slice(0, 80))} is not a path` };
  return { kind: 'async', namespace: routed.namespace, name: candidate.name, path: url, prefix: '' };
}
