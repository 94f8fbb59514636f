import type { Pod, Revision, TideFunction, Namespace, TideNode } from '@tide/core';
import type { ApiClient } from '../api-client.js';
import { age, render, table, type OutputFormat } from '../format.js';
import { collectionPath, pluralOf } from '../paths.js';

type Row = (item: never) => string[];
const COLUMNS: Record<string, { headers: string[]; row: Row; wide?: { headers: string[]; row: Row } }> = {
  pods: {
    headers: ['NAME', 'REVISION', 'PHASE', 'RESTARTS', 'AGE'],
    row: (p: Pod) => [p.metadata.name, p.spec.revision, p.status.waiting ?? p.status.phase, String(p.status.restartCount), age(p.metadata.creationTimestamp)],
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
    row: (n: TideNode) => [n.metadata.name, `${n.status.ready ? 'Ready' : 'NotReady'}${n.spec.unschedulable ? ',SchedulingDisabled' : ''}`, `${n.spec.capacity.memoryMb}Mi`, `${n.spec.capacity.cpuMilli}m`, String(n.spec.capacity.pods), age(n.metadata.creationTimestamp)],
    // As kubectl's INTERNAL-IP: where gateways reach this node's pods.
    wide: {
      headers: ['ADDRESS', 'LABELS', 'TAINTS'],
      row: (n: TideNode) => [
        n.spec.address,
        Object.entries(n.metadata.labels).map(([k, v]) => `${k}=${v}`).join(',') || '<none>',
        n.spec.taints.map((t) => `${t.key}${t.value === undefined ? '' : `=${t.value}`}:${t.effect}`).join(',') || '<none>',
      ],
    },
  },
};

/** `tide get <type> [name]`: a table, or the objects as JSON/YAML. */
export async function get(api: ApiClient, options: { resource: string; name?: string; namespace: string; output: OutputFormat }): Promise<string> {
  const plural = pluralOf(options.resource);
  const base = collectionPath(plural, options.namespace);
  if (options.name) {
    const item = await api.ok<never>('GET', `${base}/${encodeURIComponent(options.name)}`);
    if (options.output === 'json' || options.output === 'yaml') return render(item, options.output);
    return rowsFor(plural, [item], options.output, plural === 'functions' ? await podsByFunction(api, options.namespace) : undefined);
  }
  const list = await api.ok<{ items: never[] }>('GET', base);
  if (options.output === 'json' || options.output === 'yaml') return render(list, options.output);
  if (list.items.length === 0) return `No ${plural} found${plural === 'namespaces' || plural === 'nodes' ? '' : ` in namespace ${options.namespace}`}.`;
  return rowsFor(plural, list.items, options.output, plural === 'functions' ? await podsByFunction(api, options.namespace) : undefined);
}

function rowsFor(plural: string, items: never[], output: OutputFormat, pods?: Map<string, Pod[]>): string {
  if (plural === 'functions') {
    const rows = (items as TideFunction[]).map((f) => {
      const own = pods?.get(f.metadata.name) ?? [];
      const ready = own.filter((p) => p.status.phase === 'Ready').length;
      return [f.metadata.name, f.status.latestRevision, `${ready}/${own.length}`, String(f.status.desiredReplicas), `${f.spec.scale.min}..${f.spec.scale.max}`, functionStatus(f, own), age(f.metadata.creationTimestamp)];
    });
    return table(['NAME', 'REVISION', 'READY', 'DESIRED', 'SCALE', 'STATUS', 'AGE'], rows);
  }
  const columns = COLUMNS[plural]!;
  const wide = output === 'wide' && columns.wide;
  const headers = wide ? [...columns.headers, ...columns.wide!.headers] : columns.headers;
  return table(headers, items.map((item) => (wide ? [...columns.row(item), ...columns.wide!.row(item)] : columns.row(item))));
}

async function podsByFunction(api: ApiClient, namespace: string): Promise<Map<string, Pod[]>> {
  const pods = await api.ok<{ items: Pod[] }>('GET', collectionPath('pods', namespace));
  const byFunction = new Map<string, Pod[]>();
  for (const pod of pods.items) byFunction.set(pod.spec.function, [...(byFunction.get(pod.spec.function) ?? []), pod]);
  return byFunction;
}

/** One word or phrase for how a function is doing, with the reason when its pods fail. */
export function functionStatus(fn: TideFunction, pods: readonly Pod[]): string {
  const live = pods.filter((p) => p.status.phase !== 'Terminating');
  if (live.some((p) => p.status.phase === 'Ready')) return 'Ready';
  const failed = live.find((p) => p.status.phase === 'Exited' || (p.status.restartCount > 0 && p.status.reason));
  if (failed) return `Failing: ${failed.status.reason ?? 'exited'} (restarts ${failed.status.restartCount})`;
  if (fn.status.desiredReplicas === 0 && live.length === 0) return 'ScaledToZero';
  return 'Starting';
}
