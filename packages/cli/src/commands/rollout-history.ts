import type { Revision, TideFunction } from '@tide/core';
import type { ApiClient } from '../api-client.js';
import { table } from '../format.js';
import { API } from '../paths.js';
import { getOne } from './get.js';
import { listAll } from '../list-all.js';

type Template = Omit<Revision['spec'], 'function' | 'number'>;

/** What differs between two revisions' templates, in words: `env GREETING`, `source`, `memoryMb 128→256`. */
export function revisionChanges(previous: Template | undefined, next: Template): string {
  if (!previous) return 'first revision';
  const changes: string[] = [];
  if (previous.source.artifact !== next.source.artifact) changes.push(`source ${next.source.artifact.slice(7, 19)}`);
  // By value: a secretKeyRef is an object, equal when it names the same secret and key.
  const envKeys = [...new Set([...Object.keys(previous.env), ...Object.keys(next.env)])]
    .filter((k) => JSON.stringify(previous.env[k]) !== JSON.stringify(next.env[k]))
    .sort();
  if (envKeys.length) changes.push(`env ${envKeys.join(',')}`);
  if (previous.resources.memoryMb !== next.resources.memoryMb) changes.push(`memoryMb ${previous.resources.memoryMb}→${next.resources.memoryMb}`);
  if (previous.resources.cpuMilli !== next.resources.cpuMilli) changes.push(`cpuMilli ${previous.resources.cpuMilli}→${next.resources.cpuMilli}`);
  for (const key of ['concurrency', 'timeoutSeconds', 'terminationGracePeriodSeconds'] as const) {
    if (previous[key] !== next[key]) changes.push(`${key} ${previous[key]}→${next[key]}`);
  }
  for (const key of ['nodeSelector', 'tolerations', 'probes', 'envFrom'] as const) {
    if (JSON.stringify(previous[key]) !== JSON.stringify(next[key])) changes.push(key);
  }
  return changes.join(', ') || 'no change';
}

/** The table of `tide rollout history`: oldest first, the serving revision marked with its traffic. */
export function historyTable(fn: TideFunction, revisions: readonly Revision[]): string {
  const sorted = [...revisions].sort((a, b) => a.spec.number - b.spec.number);
  const rows = sorted.map((r, i) => {
    const { function: _f, number: _n, ...template } = r.spec;
    const previous = i > 0 ? (({ function: _pf, number: _pn, ...t }) => t)(sorted[i - 1]!.spec) : undefined;
    // A gap in numbers means older revisions were garbage-collected: compare with what is left.
    const traffic = fn.status.traffic.find((t) => t.revision === r.metadata.name);
    const serving = r.metadata.name === fn.status.latestRevision ? '*' : '';
    return [
      `${serving}${r.spec.number}`,
      r.metadata.name,
      r.metadata.creationTimestamp,
      traffic ? `${traffic.percent}%${traffic.tag ? ` (${traffic.tag})` : ''}` : '-',
      revisionChanges(previous, template),
    ];
  });
  return `function/${fn.metadata.name} (* serving)\n${table(['REVISION', 'NAME', 'CREATED', 'TRAFFIC', 'CHANGE'], rows)}`;
}

/** `tide rollout history function/x`. */
export async function rolloutHistory(api: ApiClient, namespace: string, name: string): Promise<string> {
  const fn = await getOne<TideFunction>(api, 'functions', namespace, name);
  const selector = encodeURIComponent(`tide.dev/function=${name}`);
  const revisions = await listAll<Revision>(api, `${API}/namespaces/${encodeURIComponent(namespace)}/revisions?labelSelector=${selector}`);
  return historyTable(fn, revisions.items);
}

/** `--to-revision 3` or `--to-revision hello-00003`: kubectl takes a number; Tide's revisions also have names. */
export function revisionNamed(functionName: string, value: string): string {
  return /^\d+$/.test(value) ? `${functionName}-${value.padStart(5, '0')}` : value;
}
