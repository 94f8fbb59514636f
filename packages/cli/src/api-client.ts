import { request } from 'undici';
import { cliTraceHeaders } from './cli-trace.js';

/** A failure the CLI reports as one clear line and a non-zero exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ApiClient {
  server: string;
  /** Authorization for requests made outside call() (watch streams, logs, the gateway). */
  headers: Readonly<Record<string, string>>;
  /** The token shown and where it came from, said when the server refuses it. */
  credential: ClientCredential;
  call<T = unknown>(
    method: string,
    path: string,
    body?: { data: string | Uint8Array | AsyncIterable<Uint8Array>; contentType: string },
  ): Promise<{ status: number; body: T }>;
  /** Like call, but throws a CliError with the server's message on any non-2xx answer. */
  ok<T = unknown>(method: string, path: string, body?: { data: string | Uint8Array | AsyncIterable<Uint8Array>; contentType: string }): Promise<T>;
}

/**
 * --server or TIDE_SERVER (named by `source`) as base URLs (a node or gateway may follow several,
 * comma-separated). `host:port` means http://host:port, as kubectl's --server has it; anything else
 * that is not an http(s) URL is a usage error here, where it would otherwise surface later as a
 * server that "cannot be reached".
 */
export function serverUrl(value: string, source: string): string {
  const refused = new CliError(`${source} "${value}" is not a valid URL: use http://HOST:PORT (or HOST:PORT)`, 2);
  return value
    .split(',')
    .map((one) => baseUrl(one.trim(), refused))
    .join(',');
}

function baseUrl(value: string, refused: CliError): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw refused;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.search || url.hash || url.username) throw refused;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** The token to show the server, and where it came from (credentials.ts). */
export interface ClientCredential {
  token: string | undefined;
  source: string;
}

const NO_CREDENTIAL: ClientCredential = { token: undefined, source: 'no token given' };

/** `Authorization: Bearer` when there is a token. */
export function authorizationHeaders(credential: ClientCredential): Record<string, string> {
  return credential.token ? { authorization: `Bearer ${credential.token}` } : {};
}

/**
 * A refusal of the credential (401, 403), said with where the token came from and what to do:
 * the server's message alone cannot know that the token was an old TIDE_TOKEN or a gone file.
 */
export function refusalHint(status: number, credential: ClientCredential): string {
  if (status === 401) return credential.token ? ` (token from ${credential.source}: \`tide login\` with a valid one)` : `; ${credential.source}`;
  if (status === 403) return ` (token from ${credential.source}; \`tide whoami\` shows what it may do)`;
  return '';
}

export function createApiClient(server: string, credential: ClientCredential = NO_CREDENTIAL): ApiClient {
  const base = server.replace(/\/+$/, '');
  const headers = { ...authorizationHeaders(credential), ...cliTraceHeaders() };
  const call = async <T>(method: string, path: string, body?: { data: string | Uint8Array | AsyncIterable<Uint8Array>; contentType: string }) => {
    let res;
    try {
      res = await request(`${base}${path}`, {
        method: method as 'GET',
        headers: body ? { ...headers, 'content-type': body.contentType } : headers,
        ...(body ? { body: body.data as string } : {}),
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).message;
      throw new CliError(`cannot reach the Tide API at ${base} (${code}): is \`tide up\` running? Set --server or TIDE_SERVER to point elsewhere.`);
    }
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode, body: parsed as T };
  };
  return {
    server: base,
    headers,
    credential,
    call,
    async ok<T>(method: string, path: string, body?: { data: string | Uint8Array | AsyncIterable<Uint8Array>; contentType: string }) {
      const res = await call<T>(method, path, body);
      if (res.status >= 400) throw new CliError(`${method} ${path} failed (${res.status}): ${messageOf(res.body)}${refusalHint(res.status, credential)}`);
      return res.body;
    },
  };
}

export function messageOf(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  if (body && typeof body === 'object' && 'error' in body) return String((body as { error: unknown }).error);
  return typeof body === 'string' ? body.trim().slice(0, 500) : JSON.stringify(body);
}
