import type { Namespace, Pod, Revision, TideFunction, TideNode, Trigger } from '@tide/core';
import type { ShownSecret } from './secrets.js';
import { age, table } from '../format.js';

/** How `tide get` prints objects as rows: kubectl's columns, `-o wide` extras, `-A`'s NAMESPACE, `-o name`. */

export type RowFormat = 'table' | 'wide';
type Row = (item: never, pods: PodsByFunction) => string[];
/** A function's pods, by `namespace/name` of the function. */
export type PodsByFunction = ReadonlyMap<string, readonly Pod[]>;

const COLUMNS: Record<string, { headers: string[]; row: Row; wide?: { headers: string[]; row: Row } }> = {
  functions: {
    headers: ['NAME', 'REVISION', 'READY', 'DESIRED', 'SCALE', 'STATUS', 'AGE'],
    row: (f: TideFunction, pods) => {
      const own = pods.get(`${f.metadata.namespace}/${f.metadata.name}`) ?? [];
      const ready = own.filter((p) => p.status.phase === 'Ready').length;
      return [
        f.metadata.name,
        f.status.latestRevision,
        `${ready}/${own.length}`,
        String(f.status.desiredReplicas),
        `${f.spec.scale.min}..${f.spec.scale.max}`,
        functionStatus(f, own),
        age(f.metadata.creationTimestamp),
      ];
    },
    wide: {
      headers: ['TRAFFIC', 'LABELS'],
      row: (f: TideFunction) => [f.status.traffic.map((t) => `${t.revision}=${t.percent}%`).join(',') || '-', labelsOf(f.metadata.labels)],
    },
  },
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
  namespaces: {
    headers: ['NAME', 'AGE'],
    row: (n: Namespace) => [n.metadata.name, age(n.metadata.creationTimestamp)],
    wide: { headers: ['LABELS'], row: (n: Namespace) => [labelsOf(n.metadata.labels)] },
  },
  // LAST-FIRED is a cron trigger's; a kafka trigger shows "-" there (its progress is consumer lag).
  triggers: {
    headers: ['NAME', 'TYPE', 'FUNCTION', 'SOURCE', 'LAST-FIRED', 'AGE'],
    row: (t: Trigger) => [
      t.metadata.name,
      t.spec.cron ? 'cron' : 'kafka',
      t.spec.function,
      t.spec.cron ? `${t.spec.cron.schedule}${t.spec.cron.timeZone === 'UTC' ? '' : ` (${t.spec.cron.timeZone})`}` : (t.spec.kafka?.topics.join(',') ?? ''),
      t.spec.cron ? (t.status.lastFiredAt ? `${age(t.status.lastFiredAt)} ago` : '<never>') : '-',
      age(t.metadata.creationTimestamp),
    ],
    wide: {
      headers: ['DELIVERY', 'FIRED', 'SKIPPED', 'LABELS'],
      row: (t: Trigger) => [
        t.spec.delivery,
        t.spec.cron ? String(t.status.fired) : '-',
        t.spec.cron ? String(t.status.skipped) : '-',
        labelsOf(t.metadata.labels),
      ],
    },
  },
  // As kubectl's: DATA counts the keys; `tide describe secret` names them with their sizes.
  secrets: {
    headers: ['NAME', 'TYPE', 'DATA', 'AGE'],
    row: (s: ShownSecret) => [s.metadata.name, s.type, String(Object.keys(s.keys).length), age(s.metadata.creationTimestamp)],
    wide: { headers: ['KEYS'], row: (s: ShownSecret) => [Object.keys(s.keys).join(',') || '<none>'] },
  },
  nodes: {
    headers: ['NAME', 'STATUS', 'MEMORY', 'CPU', 'PODS', 'AGE'],
    row: (n: TideNode) => [
      n.metadata.name,
      `${n.status.ready ? 'Ready' : 'NotReady'}${n.spec.unschedulable ? ',SchedulingDisabled' : ''}`,
      `${n.spec.capacity.memoryMb}Mi`,
      `${n.spec.capacity.cpuMilli}m`,
      String(n.spec.capacity.pods),
      age(n.metadata.creationTimestamp),
    ],
    // As kubectl's INTERNAL-IP: where gateways reach this node's pods.
    wide: {
      headers: ['ADDRESS', 'SANDBOX', 'LABELS', 'TAINTS'],
      row: (n: TideNode) => [
        n.spec.address,
        sandboxOf(n.spec.isolation),
        labelsOf(n.metadata.labels),
        n.spec.taints.map((t) => `${t.key}${t.value === undefined ? '' : `=${t.value}`}:${t.effect}`).join(',') || '<none>',
      ],
    },
  },
};

const KIND_OF: Record<string, string> = {
  functions: 'function',
  pods: 'pod',
  revisions: 'revision',
  namespaces: 'namespace',
  nodes: 'node',
  triggers: 'trigger',
  secrets: 'secret',
};

/** bwrap; none:default (runs namespace default's code only); none:all (--insecure-single-tenant). */
function sandboxOf(isolation: TideNode['spec']['isolation']): string {
  if (!isolation) return '<unknown>';
  return isolation.sandbox === 'none' ? `none:${isolation.insecureSingleTenant ? 'all' : 'default'}` : isolation.sandbox;
}

function labelsOf(labels: Readonly<Record<string, string>>): string {
  return (
    Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '<none>'
  );
}

/** `-o name`: `function/hello`, one line per object, as kubectl prints TYPE/NAME. */
export function nameLines(plural: string, items: readonly { metadata: { name: string } }[]): string[] {
  return items.map((item) => `${KIND_OF[plural] ?? plural}/${item.metadata.name}`);
}

/** The header and cells of each row; with `allNamespaces` a NAMESPACE column comes first, as kubectl's -A. */
export function rowsOf(
  plural: string,
  items: readonly unknown[],
  options: { format: RowFormat; allNamespaces?: boolean; pods?: PodsByFunction },
): { headers: string[]; rows: string[][] } {
  const columns = COLUMNS[plural]!;
  const wide = options.format === 'wide' && columns.wide ? columns.wide : undefined;
  const pods = options.pods ?? new Map();
  const namespaced = options.allNamespaces === true && plural !== 'namespaces' && plural !== 'nodes';
  const headers = [...(namespaced ? ['NAMESPACE'] : []), ...columns.headers, ...(wide?.headers ?? [])];
  const rows = items.map((item) => [
    ...(namespaced ? [(item as { metadata: { namespace?: string } }).metadata.namespace ?? ''] : []),
    ...columns.row(item as never, pods),
    ...(wide ? wide.row(item as never, pods) : []),
  ]);
  return { headers, rows };
}

export function renderTable(plural: string, items: readonly unknown[], options: { format: RowFormat; allNamespaces?: boolean; pods?: PodsByFunction }): string {
  const { headers, rows } = rowsOf(plural, items, options);
  return table(headers, rows);
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
