import type { Pod, Revision, TideFunction, Namespace, TideNode } from '@tide/core';
import type { ApiClient } from '../api-client.js';
import { age, render, table, type OutputFormat } from '../format.js';
import { collectionPath, pluralOf } from '../paths.js';

type Row = (item: never) => string[];
const COLUMNS: Record<string, { headers: string[]; row: Row; wide?: { headers: string[]; row: Row } }> = {
  pods: {
    headers: ['NAME', 'REVISION', 'PHASE', 'RESTARTS', 'AGE'],
    row: (p: Pod) => [p.metadata.name, p.spec.revision, p.status.phase, String(p.status.restartCount), age(p.metadata.creationTimestamp)],
    wide: {
      headers: ['NODE', 'ENDPOINT', 'REASON'],
      row: (p: Pod) => [p.spec.node ?? '<none>', p.status.endpoint ?? '-', p.status.reason ?? ''],
    },
  },
  revisions: {
    headers: ['NAME', 'FUNCTION', 'ARTIFACT', 'AGE'],
    row: (r: Revision) => [r.metadata.name, r.spec.function, r.spec.source.artifact.slice(0, 19), age(r.metadata.creationTimestamp)],
  },
  namespaces: { headers: ['NAME', 'AGE'], row: (n: Namespace) => [n.metadata.name, age(n.metadata.creationTimestamp)] },
  nodes: {
    headers: ['NAME', 'STATUS', 'MEMORY', 'CPU', 'PODS', 'AGE'],
    row: (n: TideNode) => [n.metadata.name, n.status.ready ? 'Ready' : 'NotReady', `${n.spec.capacity.memoryMb}Mi`, `${n.spec.capacity.cpuMilli}m`, String(n.spec.capacity.pods), age(n.metadata.creationTimestamp)],
  },
};

/** `tide get <type> [name]`: a table, or the objects as JSON/YAML. */
export async function get(api: ApiClient, options: { resource: string; name?: string; namespace: string; output: OutputFormat }): Promise<string> {
  const plural = pluralOf(options.resource);
  const base = collectionPath(plural, options.namespace);
  if (options.name) {
    const item = await api.ok<never>('GET', `${base}/${encodeURIComponent(options.name)}`);
    if (options.output === 'json' || options.output === 'yaml') return render(item, options.output);
    return rowsFor(plural, [item], options.output, plural === 'functions' ? await readyByFunction(api, options.namespace) : undefined);
  }
  const list = await api.ok<{ items: never[] }>('GET', base);
  if (options.output === 'json' || options.output === 'yaml') return render(list, options.output);
  if (list.items.length === 0) return `No ${plural} found${plural === 'namespaces' || plural === 'nodes' ? '' : ` in namespace ${options.namespace}`}.`;
  return rowsFor(plural, list.items, options.output, plural === 'functions' ? await readyByFunction(api, options.namespace) : undefined);
}

function rowsFor(plural: string, items: never[], output: OutputFormat, ready?: Map<string, [number, number]>): string {
  if (plural === 'functions') {
    const rows = (items as TideFunction[]).map((f) => {
      const [r, total] = ready?.get(f.metadata.name) ?? [0, 0];
      return [f.metadata.name, f.status.latestRevision, `${r}/${total}`, String(f.status.desiredReplicas), `${f.spec.scale.min}..${f.spec.scale.max}`, age(f.metadata.creationTimestamp)];
    });
    return table(['NAME', 'REVISION', 'READY', 'DESIRED', 'SCALE', 'AGE'], rows);
  }
  const columns = COLUMNS[plural]!;
  const wide = output === 'wide' && columns.wide;
  const headers = wide ? [...columns.headers, ...columns.wide!.headers] : columns.headers;
  return table(headers, items.map((item) => (wide ? [...columns.row(item), ...columns.wide!.row(item)] : columns.row(item))));
}

async function readyByFunction(api: ApiClient, namespace: string): Promise<Map<string, [number, number]>> {
  const pods = await api.ok<{ items: Pod[] }>('GET', collectionPath('pods', namespace));
  const counts = new Map<string, [number, number]>();
  for (const pod of pods.items) {
    const [ready, total] = counts.get(pod.spec.function) ?? [0, 0];
    counts.set(pod.spec.function, [ready + (pod.status.phase === 'Ready' ? 1 : 0), total + 1]);
  }
  return counts;
}
