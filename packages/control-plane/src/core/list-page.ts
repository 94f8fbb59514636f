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

/**
 * One page of `items`, ordered by `keyOf`. Each item's key is built once, and only the page is
 * sorted: the items after the token are partitioned (quickselect) so the `limit` smallest come
 * first. Sorting every item on every page made reading a list whole cost O(n² log n / limit):
 * 112 ms a page, 2.2 s for 10 000 functions in pages of 500 (the scale run, test/load/scale).
 */
export function pageOf<T>(items: readonly T[], keyOf: (item: T) => string, request: PageRequest, listName: string): Page<T> {
  const after = request.after;
  const candidates: Keyed<T>[] = [];
  for (const item of items) {
    const key = keyOf(item);
    if (after === undefined || compare(key, after) > 0) candidates.push({ key, item });
  }
  if (candidates.length > request.limit) selectSmallest(candidates, request.limit);
  const page = candidates.slice(0, request.limit).sort((a, b) => compare(a.key, b.key));
  const remaining = candidates.length - page.length;
  const pageItems = page.map((entry) => entry.item);
  if (remaining <= 0) return { items: pageItems, continue: undefined, remainingItemCount: undefined };
  return { items: pageItems, continue: encodeToken({ list: listName, after: page[page.length - 1]!.key }), remainingItemCount: remaining };
}

interface Keyed<T> {
  key: string;
  item: T;
}

/** Reorders `entries` in place so that its first `count` are the `count` smallest keys (in no order): Hoare's quickselect, O(n) on average. */
function selectSmallest<T>(entries: Keyed<T>[], count: number): void {
  let low = 0;
  let high = entries.length - 1;
  const target = count - 1;
  while (low < high) {
    const pivot = entries[(low + high) >>> 1]!.key;
    let i = low;
    let j = high;
    while (i <= j) {
      while (compare(entries[i]!.key, pivot) < 0) i++;
      while (compare(entries[j]!.key, pivot) > 0) j--;
      if (i <= j) {
        const swap = entries[i]!;
        entries[i] = entries[j]!;
        entries[j] = swap;
        i++;
        j--;
      }
    }
    if (target <= j) high = j;
    else if (target >= i) low = i;
    else return;
  }
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
