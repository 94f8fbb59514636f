import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * Where a call came from, rebuilt from the headers the gateway sends (x-forwarded-proto,
 * x-forwarded-host, x-forwarded-prefix). A pod is reachable only through its node's gateway (it
 * listens on loopback inside its sandbox), so these headers are the gateway's, not a caller's.
 *
 * A function owns its whole origin, as a Worker does. Called at `<name>.<ns>.<domain>` there is no
 * prefix and request.url is exactly the caller's URL. Called at `/fn/<ns>/<name>/...` the function
 * is mounted the way a reverse proxy mounts an app under a path (OpenFaaS' `/function/<name>`,
 * Spring's X-Forwarded-Prefix, nginx `proxy_pass` with a path): request.url is the caller's scheme
 * and host with the path after the prefix, so an unchanged app's routes (`app.get('/todos')`,
 * `switch (url.pathname)`) match; the prefix stays readable in the x-forwarded-prefix header; and a
 * redirect to the function's own origin (`Location: /x`, or `https://host/x`) is sent back under the
 * prefix (nginx's `proxy_redirect default`, Apache's ProxyPassReverse), so `c.redirect('/x')`
 * lands on the function. Links inside a body are not rewritten: relative links work everywhere,
 * root-relative ones only under host-based routing.
 */
export interface CallerMount {
  /** `https://example.com`: scheme and host the caller used. */
  origin: string;
  /** `/fn/default/app`, or '' when the function was called at its own host. */
  prefix: string;
}

/** The caller's origin and the path prefix the gateway stripped, or undefined for a direct call (no x-forwarded-host). */
export function callerMount(headers: IncomingHttpHeaders): CallerMount | undefined {
  const host = first(headers['x-forwarded-host']);
  if (host === undefined || host === '') return undefined;
  const proto = first(headers['x-forwarded-proto']) === 'https' ? 'https' : 'http';
  const prefix = first(headers['x-forwarded-prefix']) ?? '';
  const mounted = prefix.startsWith('/') && !prefix.startsWith('//') ? prefix.replace(/\/+$/, '') : '';
  return { origin: `${proto}://${host}`, prefix: mounted };
}

/**
 * Makes the request's target absolute-form (`https://host/path`), from which node-server builds
 * request.url, when the gateway said where the call came from; returns that mount.
 */
export function toCallerUrl(incoming: IncomingMessage): CallerMount | undefined {
  const mount = callerMount(incoming.headers);
  if (mount) incoming.url = `${mount.origin}${incoming.url ?? '/'}`;
  return mount;
}

/** The path of an origin-form or (rewritten above) absolute-form request target. */
export function pathOf(target: string): string {
  if (target.startsWith('/')) return target;
  const slash = target.indexOf('/', target.indexOf('//') + 2);
  return slash === -1 ? '/' : target.slice(slash);
}

/** Sends a redirect to the function's own origin back under its /fn prefix. */
export function redirectUnderPrefix(response: Response, mount: CallerMount): Response {
  const location = response.headers.get('location');
  if (location === null) return response;
  const mounted = mountedLocation(location, mount);
  if (mounted === location) return response;
  try {
    response.headers.set('location', mounted);
    return response;
  } catch {
    // Response.redirect() headers are immutable: the same response with the new header.
    const headers = new Headers(response.headers);
    headers.set('location', mounted);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

/**
 * A Location header as the caller must see it: a redirect to the function's own origin goes under
 * the prefix. Anything else (another origin, a relative path, a location already under the prefix)
 * is returned as it is.
 */
export function mountedLocation(location: string, mount: CallerMount): string {
  if (mount.prefix === '') return location;
  if (location.startsWith('/') && !location.startsWith('//')) return underPrefix(location, mount.prefix);
  if (!location.startsWith(`${mount.origin}/`) && location !== mount.origin) return location;
  const path = location.slice(mount.origin.length) || '/';
  return `${mount.origin}${underPrefix(path, mount.prefix)}`;
}

/** An app that builds its links from x-forwarded-prefix already put them under it. */
function underPrefix(path: string, prefix: string): string {
  const next = path.charAt(prefix.length);
  if (path.startsWith(prefix) && (next === '' || next === '/' || next === '?' || next === '#')) return path;
  return `${prefix}${path}`;
}

function first(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  // A proxy before the gateway may have listed several: the first is the caller's.
  return text?.split(',')[0]?.trim();
}
