import { request } from 'undici';
import { CliError, type ApiClient } from '../api-client.js';
import { table } from '../format.js';
import { pluralOf } from '../paths.js';
import { listPath, noneFound, podsFor, type GetOptions } from './get.js';
import { nameLines, rowsOf, type RowFormat } from './get-table.js';
import { listAll } from '../list-all.js';

type Item = { metadata: { name: string; namespace?: string; resourceVersion: string } };

/**
 * `tide get <type> -w`: the list, then a row for every object that changes, as kubectl's watch
 * prints them, until interrupted. Follows the API's `?watch=true` stream from the list's
 * resourceVersion (no change between the two is missed) and reads the list again on each change.
 */
export async function watchList(
  api: ApiClient,
  options: GetOptions & { output: RowFormat | 'name'; print: (line: string) => void; signal: AbortSignal },
): Promise<void> {
  const plural = pluralOf(options.resource);
  const path = listPath(plural, options);
  const seen = new Map<string, string>();
  const keyOf = (item: Item) => `${item.metadata.namespace ?? ''}/${item.metadata.name}`;
  const wanted = (item: Item) => !options.name || item.metadata.name === options.name;

  const first = await listAll<Item>(api, path);
  const items = first.items.filter(wanted);
  for (const item of items) seen.set(keyOf(item), item.metadata.resourceVersion);
  if (options.output === 'name') nameLines(plural, items).forEach((l) => options.print(l));
  else if (items.length === 0) options.print(noneFound(plural, options));
  else options.print(await tableOf(api, plural, items, options));

  const watchUrl = `${api.server}${path}${path.includes('?') ? '&' : '?'}watch=true&resourceVersion=${first.metadata?.resourceVersion ?? ''}`;
  let res;
  try {
    res = await request(watchUrl, { headers: api.headers, signal: options.signal, bodyTimeout: 0 });
  } catch (error) {
    if (options.signal.aborted) return;
    throw new CliError(`cannot watch ${plural} at ${api.server}: ${(error as Error).message}`);
  }
  if (res.statusCode >= 400) throw new CliError(`watching ${plural} failed (${res.statusCode}): ${await res.body.text()}`);
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += (chunk as Buffer).toString();
      if (!buffer.includes('\n\n')) continue;
      buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
      const now = (await listAll<Item>(api, path)).items.filter(wanted);
      const changed = now.filter((item) => seen.get(keyOf(item)) !== item.metadata.resourceVersion);
      for (const item of changed) seen.set(keyOf(item), item.metadata.resourceVersion);
      if (changed.length === 0) continue;
      if (options.output === 'name') nameLines(plural, changed).forEach((l) => options.print(l));
      else options.print((await tableOf(api, plural, changed, options)).split('\n').slice(1).join('\n'));
    }
  } catch (error) {
    if (!options.signal.aborted) throw error;
  }
}

async function tableOf(api: ApiClient, plural: string, items: readonly Item[], options: GetOptions & { output: RowFormat | 'name' }): Promise<string> {
  const { headers, rows } = rowsOf(plural, items, {
    format: options.output === 'wide' ? 'wide' : 'table',
    allNamespaces: options.allNamespaces === true,
    pods: await podsFor(api, plural, options),
  });
  return table(headers, rows);
}
