import type { IncomingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message, so a proxy
 * must not forward them. `host` is re-derived by the upstream client from the pod's address
 * (the original goes out as x-forwarded-host); `expect` is answered by node:http itself and
 * undici refuses to send it.
 */
const REQUEST_DROPPED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'upgrade',
  'trailer',
  'host',
  'expect',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-prefix',
  // Proves a call comes from Tide's own components (see component-token.ts): never forwarded.
  'tide-component-token',
]);

/**
 * `Authorization: Bearer tide_...` is the caller's credential to Tide (a function with access
 * `token` asks for it, and `tide invoke` sends it to any): never the function's to see or reuse.
 * A function's own scheme (another bearer token, Basic) passes through.
 */
const TIDE_BEARER = /^\s*bearer\s+tide_/i;

/** How the platform calls a module's scheduled() or queue() handler: kept only on a component's call. */
const INVOKE_HEADER = 'tide-invoke';

/** Hop-by-hop, plus `tide-error`: only the gateway may mark an answer as its own (see error-response.ts). */
const RESPONSE_DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'trailer', 'tide-error']);

export interface ForwardingInfo {
  /** The client's address as the gateway saw it (appended to x-forwarded-for). */
  readonly remoteAddress: string | undefined;
  readonly proto: 'http' | 'https';
  /** `/fn/{namespace}/{name}`. */
  readonly prefix: string;
  /** The call carried the gateway's component token: its `tide-invoke` header is passed on. */
  readonly fromComponent?: boolean;
}

/**
 * The header list for the upstream request, in undici's flat `[name, value, ...]` form,
 * built from node's `rawHeaders` so repeated headers and their order survive.
 */
export function upstreamHeaders(rawHeaders: readonly string[], info: ForwardingInfo): string[] {
  let headers: string[] = [];
  let forwardedFor: string | undefined;
  let host: string | undefined;
  let connection: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === 'authorization' && TIDE_BEARER.test(value)) continue;
    if (lower === INVOKE_HEADER) {
      if (info.fromComponent === true) headers.push(name, value);
    } else if (!REQUEST_DROPPED.has(lower) && !lower.startsWith('proxy-')) {
      headers.push(name, value);
    } else if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
    } else if (lower === 'host') {
      host = value;
    } else if (lower === 'connection') {
      connection = connection === undefined ? value : `${connection},${value}`;
    }
  }
  if (connection !== undefined) headers = withoutListed(headers, connection);
  const client = info.remoteAddress ?? 'unknown';
  headers.push('x-forwarded-for', forwardedFor === undefined ? client : `${forwardedFor}, ${client}`);
  if (host !== undefined) headers.push('x-forwarded-host', host);
  headers.push('x-forwarded-proto', info.proto, 'x-forwarded-prefix', info.prefix);
  return headers;
}

/**
 * The response's end-to-end headers as a flat `[name, value, ...]` list for `writeHead` (a header
 * with several values, set-cookie say, once per value): its hop-by-hop headers and those its
 * `Connection` names are left out. Built in one pass rather than deleting from undici's object: a
 * `delete` turned every response's header object into a slow dictionary, ~1.5 % of the gateway's CPU.
 */
export function endToEndResponseHeaders(headers: IncomingHttpHeaders): string[] {
  const listed = headers.connection === undefined ? undefined : connectionTokens(headers.connection);
  const list: string[] = [];
  for (const name in headers) {
    if (RESPONSE_DROPPED.has(name) || name.startsWith('proxy-') || listed?.has(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') list.push(name, value);
    else for (const one of value) list.push(name, one);
  }
  return list;
}

function connectionTokens(connection: string | string[]): Set<string> | undefined {
  // keep-alive and close, nearly every response's, name no other header.
  if (typeof connection === 'string' && /^\s*(?:keep-alive|close)\s*$/i.test(connection)) return undefined;
  const tokens = new Set<string>();
  for (const token of (Array.isArray(connection) ? connection.join(',') : connection).split(',')) tokens.add(token.trim().toLowerCase());
  return tokens;
}

/** Drops the headers a sender named in `Connection: a, b` (they are hop-by-hop too). */
function withoutListed(headers: string[], connection: string): string[] {
  const listed = new Set<string>();
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    // keep-alive/close are the usual values and name no other header.
    if (name !== '' && name !== 'keep-alive' && name !== 'close') listed.add(name);
  }
  if (listed.size === 0) return headers;
  const kept: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    if (!listed.has(name.toLowerCase())) kept.push(name, headers[i + 1] as string);
  }
  return kept;
}
