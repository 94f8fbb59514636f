/**
 * The credential of the bench's and the load runner's own API calls, by the Tide's origin (as the
 * CLI config keys servers): the admin token of each Tide they started, or the TIDE_TOKEN given with
 * --url. Calls of functions (/fn/..., /async/...) carry none: a function never sees the admin's token.
 */
const tokens = new Map<string, string>();

const originOf = (url: string) => new URL(url).origin;

/** Remembers the token for the Tide at `url` (any URL of it: its origin is the key). */
export function rememberApiToken(url: string, token: string): void {
  tokens.set(originOf(url), token);
}

/** The token for the Tide at `url`, if one was remembered. */
export function apiToken(url: string): string | undefined {
  return tokens.get(originOf(url));
}

/** `authorization: Bearer <token>` for an API request to `url`; no header for a Tide of unknown token. */
export function apiHeaders(url: string): Record<string, string> {
  const token = apiToken(url);
  return token ? { authorization: `Bearer ${token}` } : {};
}
