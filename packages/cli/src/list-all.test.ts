import { describe, expect, it } from 'vitest';
import type { ApiClient } from './api-client.js';
import { get } from './commands/get.js';
import { listAll } from './list-all.js';

/** An API that answers lists two items a page, as the control plane does past its page size. */
function pagedApi(names: string[]): ApiClient & { requests: string[] } {
  const requests: string[] = [];
  const ok = async <T>(_method: string, path: string): Promise<T> => {
    requests.push(path);
    const token = new URL(path, 'http://x').searchParams.get('continue');
    const from = token === null ? 0 : Number(token);
    const items = names.slice(from, from + 2).map((name) => ({ metadata: { name } }));
    const more = from + 2 < names.length;
    return {
      apiVersion: 'tide.dev/v1',
      kind: 'NamespaceList',
      metadata: { resourceVersion: '7', ...(more ? { continue: String(from + 2) } : {}) },
      items,
    } as T;
  };
  return {
    server: 'http://x',
    headers: {},
    credential: { token: undefined, source: 'none' },
    requests,
    ok,
    call: async () => ({ status: 200, body: undefined as never }),
  };
}

describe('lists that come a page at a time', () => {
  it('listAll follows metadata.continue to the end and returns one list without a token', async () => {
    const api = pagedApi(['a', 'b', 'c', 'd', 'e']);
    const list = await listAll<{ metadata: { name: string } }>(api, '/apis/tide.dev/v1/namespaces?labelSelector=x');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(list.metadata).toEqual({ resourceVersion: '7' });
    expect(api.requests).toEqual([
      '/apis/tide.dev/v1/namespaces?labelSelector=x',
      '/apis/tide.dev/v1/namespaces?labelSelector=x&continue=2',
      '/apis/tide.dev/v1/namespaces?labelSelector=x&continue=4',
    ]);
  });

  it('tide get shows every object, not only the first page', async () => {
    const out = await get(pagedApi(['a', 'b', 'c']), { resource: 'namespaces', namespace: 'default', output: 'name' });
    expect(out).toBe('namespace/a\nnamespace/b\nnamespace/c');
  });
});
