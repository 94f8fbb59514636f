/**
 * Kubernetes-style list pagination: `?limit=N&continue=TOKEN`. Items are ordered by key
 * (namespace/name) and a token carries the last key returned, so the next page starts right after
 * it whatever was created or deleted meanwhile. Unlike Kubernetes, later pages are read from the
 * state as it is then, not as it was at the first page (there are no old versions to serve).
 */

/** Items per page when the caller gives no limit: a list of everything is what this bounds (issue 12: 165 MB). */
export const DEFAULT_PAGE_SIZE = 500;
/** The largest page a caller may ask for; a larger limit is served as this. */
export const MAX_PAGE_SIZE = 5000;

export interface PageRequest {
  limit: number;
  /** Start after this key (from a continue token); undefined: from the first. */
  after: string | undefined;
}

export type PageRequestResult = { ok: true; request: PageRequest } | { ok: false; field: 'limit' | 'continue'; message: string };

/** Reads `limit` and `continue` from a query; a token from another list is refused, as Kubernetes does. */
export function parsePageRequest(rawLimit: string | undefined, rawContinue: string | undefined, listName: string): PageRequestResult {
  let limit = DEFAULT_PAGE_SIZE;
  if (rawLimit !== undefined && rawLimit !== '') {
    if (!/^[1-9]\d{0,8}$/.test(rawLimit))
      return { ok: false, field: 'limit', message: `limit "${rawLimit.slice(0, 40)}" must be a whole number from 1 (at most ${MAX_PAGE_SIZE} are served)` };
    limit = Math.min(MAX_PAGE_SIZE, Number(rawLimit));
  }
  if (rawContinue === undefined || rawContinue === '') return { ok: true, request: { limit, after: undefined } };
  const token = decodeToken(rawContinue);
  if (token === undefined || token.list !== listName) {
    return { ok: false, field: 'continue', message: `continue token "${rawContinue.slice(0, 40)}" is not one this ${listName} list gave out` };
  }
  return { ok: true, request: { limit, after: token.after } };
}

export interface Page<T> {
  items: T[];
  /** Token for the next page; undefined on the last page. */
  continue: string | undefined;
  /** Items after this page (as Kubernetes' remainingItemCount). */
  remainingItemCount: number | undefined;
}

/** One page of `items`, ordered by `keyOf`. */
export function pageOf<T>(items: readonly T[], keyOf: (item: T) => string, request: PageRequest, listName: string): Page<T> {
  const sorted = [...items].sort((a, b) => compare(keyOf(a), keyOf(b)));
  const after = request.after;
  const from = after === undefined ? 0 : firstAfter(sorted, keyOf, after);
  const page = sorted.slice(from, from + request.limit);
  const remaining = sorted.length - from - page.length;
  if (remaining <= 0) return { items: page, continue: undefined, remainingItemCount: undefined };
  return { items: page, continue: encodeToken({ list: listName, after: keyOf(page[page.length - 1]!) }), remainingItemCount: remaining };
}

function firstAfter<T>(sorted: readonly T[], keyOf: (item: T) => string, after: string): number {
  const index = sorted.findIndex((item) => compare(keyOf(item), after) > 0);
  return index === -1 ? sorted.length : index;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Token {
  list: string;
  after: string;
}

function encodeToken(token: Token): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(raw: string): Token | undefined {
  if (raw.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(raw)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object') return undefined;
    const { list, after } = parsed as Record<string, unknown>;
    return typeof list === 'string' && typeof after === 'string' ? { list, after } : undefined;
  } catch {
    return undefined;
  }
}
