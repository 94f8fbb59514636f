import type { Pod } from '@tide/core';
import { CliError, messageOf, type ApiClient } from '../api-client.js';
import { render } from '../format.js';
import { API, collectionPath, pluralOf } from '../paths.js';
import { nameLines, renderTable, type PodsByFunction } from './get-table.js';
import { listAll } from '../list-all.js';

export type GetOutput = 'table' | 'wide' | 'json' | 'yaml' | 'name';

export interface GetOptions {
  resource: string;
  name?: string;
  namespace: string;
  output: GetOutput;
  /** A label selector, as `-l` takes it: `team=web,tier!=db`. */
  selector?: string;
  allNamespaces?: boolean;
}

const CLUSTER_SCOPED = new Set(['namespaces', 'nodes']);
const KIND_OF: Record<string, string> = {
  functions: 'function',
  pods: 'pod',
  revisions: 'revision',
  namespaces: 'namespace',
  nodes: 'node',
  triggers: 'trigger',
  secrets: 'secret',
};

/** Where a list is read: one namespace's, every namespace's (-A), or a cluster-scoped collection. */
export function listPath(plural: string, options: Pick<GetOptions, 'namespace' | 'selector' | 'allNamespaces'>): string {
  const base = options.allNamespaces && !CLUSTER_SCOPED.has(plural) ? `${API}/${plural}` : collectionPath(plural, options.namespace);
  return options.selector ? `${base}?labelSelector=${encodeURIComponent(options.selector)}` : base;
}

/** One object by name; a missing one is said as kubectl says it, naming the namespace. */
export async function getOne<T>(api: ApiClient, plural: string, namespace: string, name: string): Promise<T> {
  const res = await api.call<T>('GET', `${collectionPath(plural, namespace)}/${encodeURIComponent(name)}`);
  if (res.status === 404) throw new CliError(notFound(plural, name, namespace));
  if (res.status >= 400) throw new CliError(`getting ${KIND_OF[plural]}/${name} failed (${res.status}): ${messageOf(res.body)}`);
  return res.body;
}

export function notFound(plural: string, name: string, namespace: string): string {
  return `${KIND_OF[plural] ?? plural} "${name}" not found${CLUSTER_SCOPED.has(plural) ? '' : ` in namespace ${namespace}`}`;
}

/** `tide get <type> [name]`: a table, TYPE/NAME lines, or the objects as JSON/YAML. */
export async function get(api: ApiClient, options: GetOptions): Promise<string> {
  const plural = pluralOf(options.resource);
  if (options.name) {
    const item = await getOne<{ metadata: { name: string } }>(api, plural, options.namespace, options.name);
    if (options.output === 'json' || options.output === 'yaml') return render(item, options.output);
    if (options.output === 'name') return nameLines(plural, [item]).join('\n');
    return renderTable(plural, [item], { format: options.output, pods: await podsFor(api, plural, options) });
  }
  const list = await listAll<{ metadata: { name: string } }>(api, listPath(plural, options));
  if (options.output === 'json' || options.output === 'yaml') return render(list, options.output);
  if (options.output === 'name') return nameLines(plural, list.items).join('\n');
  if (list.items.length === 0) return `${noneFound(plural, options)}${functionLabelHint(plural, options.selector)}`;
  return renderTable(plural, list.items, { format: options.output, allNamespaces: options.allNamespaces === true, pods: await podsFor(api, plural, options) });
}

/** kubectl users guess `-l function=NAME`; Tide's pods and revisions carry `tide.dev/function`. */
export function functionLabelHint(plural: string, selector: string | undefined): string {
  const bare = /(?:^|,)\s*function\s*==?\s*([^,\s]+)/.exec(selector ?? '');
  if (!bare || (plural !== 'pods' && plural !== 'revisions')) return '';
  return `\n(${plural} carry the label tide.dev/function: try -l tide.dev/function=${bare[1]} or --function ${bare[1]})`;
}

export function noneFound(plural: string, options: Pick<GetOptions, 'namespace' | 'allNamespaces'>): string {
  if (CLUSTER_SCOPED.has(plural)) return `No ${plural} found.`;
  return options.allNamespaces ? `No ${plural} found in any namespace.` : `No ${plural} found in namespace ${options.namespace}.`;
}

/** The pods of the listed functions (their READY and STATUS columns), by namespace/function. */
export async function podsFor(api: ApiClient, plural: string, options: Pick<GetOptions, 'namespace' | 'allNamespaces'>): Promise<PodsByFunction> {
  const byFunction = new Map<string, Pod[]>();
  if (plural !== 'functions') return byFunction;
  const pods = await listAll<Pod>(api, listPath('pods', { namespace: options.namespace, ...(options.allNamespaces ? { allNamespaces: true } : {}) }));
  for (const pod of pods.items) {
    const key = `${pod.metadata.namespace}/${pod.spec.function}`;
    byFunction.set(key, [...(byFunction.get(key) ?? []), pod]);
  }
  return byFunction;
}
