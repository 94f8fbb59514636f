import type { CpuReport, Pod, TideNode } from '@tide/core';

/** One node's line in `tide top nodes`: what its pods asked for against its capacity, and CPU they used. */
export interface NodeTopRow {
  name: string;
  ready: boolean;
  pods: number;
  podCapacity: number;
  cpuRequestedMilli: number;
  cpuCapacityMilli: number;
  memoryRequestedMb: number;
  memoryCapacityMb: number;
  /**
   * CPU its Ready pods used, from the node's latest CPU report in the window; 0 with no Ready pod;
   * absent when it has Ready pods but no recent report (an agent started without metrics).
   * Memory use is not reported by nodes, so there is no such figure for memory.
   */
  cpuUsedMilli?: number;
}

export interface NodeTopInput {
  nodes: readonly TideNode[];
  pods: readonly Pod[];
  /** Nodes' CPU reports (their `source` is the node's name). */
  reports: readonly CpuReport[];
  now: number;
  /** A report older than this says nothing of now (nodes report each second). */
  windowMs: number;
}

/** `tide top nodes`'s rows, sorted by name. A pod holds its node's resources from binding until it is removed. */
export function nodeTop(input: NodeTopInput): NodeTopRow[] {
  const latest = new Map<string, CpuReport>();
  for (const report of input.reports) {
    if (report.at <= input.now - input.windowMs || report.at > input.now) continue;
    const known = latest.get(report.source);
    if (!known || report.at > known.at) latest.set(report.source, report);
  }
  const rows = input.nodes.map((node): NodeTopRow => {
    const name = node.metadata.name;
    const pods = input.pods.filter((pod) => pod.spec.node === name);
    const report = latest.get(name);
    const anyReady = pods.some((pod) => pod.status.phase === 'Ready');
    const cpuUsedMilli = report ? report.samples.reduce((total, s) => total + s.cpuMilli * s.pods, 0) : anyReady ? undefined : 0;
    return {
      name,
      ready: node.status.ready,
      pods: pods.length,
      podCapacity: node.spec.capacity.pods,
      cpuRequestedMilli: pods.reduce((total, pod) => total + pod.spec.resources.cpuMilli, 0),
      cpuCapacityMilli: node.spec.capacity.cpuMilli,
      memoryRequestedMb: pods.reduce((total, pod) => total + pod.spec.resources.memoryMb, 0),
      memoryCapacityMb: node.spec.capacity.memoryMb,
      ...(cpuUsedMilli === undefined ? {} : { cpuUsedMilli }),
    };
  });
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}
