import { CliError, type ApiClient } from './api-client.js';

/** Pages followed at most: 5000 pages of 500 are more objects than any list should hold. */
const MAX_PAGES = 5000;

interface ListPage<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/**
 * A whole list: the API answers a page at a time (`metadata.continue`, as Kubernetes), and the CLI
 * shows everything, as kubectl does. The result is one list without a continue token.
 */
export async function listAll<T>(api: ApiClient, path: string): Promise<ListPage<T>> {
  const first = await api.ok<ListPage<T>>('GET', path);
  const items = [...first.items];
  let token = first.metadata?.continue;
  for (let pages = 1; token !== undefined; pages++) {
    if (pages >= MAX_PAGES) throw new CliError(`GET ${path}: gave up after ${MAX_PAGES} pages (the list keeps continuing)`);
    const next = await api.ok<ListPage<T>>('GET', `${path}${path.includes('?') ? '&' : '?'}continue=${encodeURIComponent(token)}`);
    items.push(...next.items);
    token = next.metadata?.continue;
  }
  const { continue: _continue, remainingItemCount: _remaining, ...metadata } = first.metadata ?? {};
  return { ...first, ...(first.metadata === undefined ? {} : { metadata }), items };
}
