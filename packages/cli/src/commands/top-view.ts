import type { FunctionTopRow, NodeTopRow } from '@tide/control-plane';
import { table } from '../format.js';

/** What GET …/top/functions answers (control-plane core/function-top.ts). */
export interface FunctionTopView {
  windowSeconds: number;
  coldStartWindowSeconds: number;
  items: FunctionTopRow[];
}

/** What GET …/top/nodes answers (control-plane core/node-top.ts). */
export interface NodeTopView {
  windowSeconds: number;
  items: NodeTopRow[];
}

/**
 * `tide top`'s table: one row per function, a NAMESPACE column first with -A, and a footnote
 * saying over what the figures are. RPS and ERR/S have one decimal below 10, whole numbers above.
 */
export function functionTopTable(view: FunctionTopView, allNamespaces: boolean): string {
  if (view.items.length === 0) return 'No functions.';
  const headers = ['NAME', 'RPS', 'P50', 'P99', 'ERR/S', 'IN-FLIGHT', 'REPLICAS', 'COLD'];
  const rows = view.items.map((f) => [
    f.name,
    rate(f.requestsPerSecond),
    duration(f.p50Ms),
    duration(f.p99Ms),
    rate(f.errorsPerSecond),
    String(f.inFlight),
    `${f.readyReplicas}/${f.desiredReplicas}`,
    String(f.coldStarts),
  ]);
  const shown = allNamespaces
    ? table(
        ['NAMESPACE', ...headers],
        rows.map((row, i) => [view.items[i]!.namespace, ...row]),
      )
    : table(headers, rows);
  return `${shown}\n\nRPS, latency and errors over the last ${view.windowSeconds}s; REPLICAS ready/desired; COLD: calls that waited for a pod to start in the last ${view.coldStartWindowSeconds}s.`;
}

/** `tide top nodes`'s table: what pods asked for against capacity (with %), and CPU used where nodes report it. */
export function nodeTopTable(view: NodeTopView): string {
  if (view.items.length === 0) return 'No nodes.';
  const rows = view.items.map((n) => [
    n.name,
    n.ready ? 'Ready' : 'NotReady',
    `${n.pods}/${n.podCapacity}`,
    `${n.cpuRequestedMilli}m/${n.cpuCapacityMilli}m (${percent(n.cpuRequestedMilli, n.cpuCapacityMilli)})`,
    n.cpuUsedMilli === undefined ? '-' : `${Math.round(n.cpuUsedMilli)}m (${percent(n.cpuUsedMilli, n.cpuCapacityMilli)})`,
    `${n.memoryRequestedMb}Mi/${n.memoryCapacityMb}Mi (${percent(n.memoryRequestedMb, n.memoryCapacityMb)})`,
  ]);
  return `${table(['NAME', 'STATUS', 'PODS', 'CPU REQUESTED', 'CPU USED', 'MEMORY REQUESTED'], rows)}\n\nCPU USED: by pods, from the node's report of the last ${view.windowSeconds}s (- when it sent none).`;
}

function rate(perSecond: number): string {
  return perSecond < 10 ? perSecond.toFixed(1) : String(Math.round(perSecond));
}

/** A latency as people read one: 850µs, 12ms, 1.2s; '-' when nothing was answered. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(1)}s`;
}

function percent(part: number, whole: number): string {
  return `${Math.round((part / whole) * 100)}%`;
}

/**
 * A frame for a terminal: home the cursor, each line cleared to its end, then the rest of the
 * screen cleared, so a shorter frame leaves nothing of the last one and nothing flickers (htop's way).
 */
export function redrawFrame(text: string, title: string): string {
  const lines = [title, '', ...text.split('\n')];
  return `\x1b[H${lines.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`;
}
