import type { Pod, TideNode } from '@tide/core';

export type ScheduleResult = { node: string } | { node: undefined; reasons: string[] };

interface Usage {
  memoryMb: number;
  cpuMilli: number;
  pods: number;
}

/** What the pods bound to each node take from it. */
export function usageByNode(pods: readonly Pod[]): Map<string, Usage> {
  const usage = new Map<string, Usage>();
  for (const pod of pods) {
    if (!pod.spec.node) continue;
    const u = usage.get(pod.spec.node) ?? { memoryMb: 0, cpuMilli: 0, pods: 0 };
    usage.set(pod.spec.node, { memoryMb: u.memoryMb + pod.spec.resources.memoryMb, cpuMilli: u.cpuMilli + pod.spec.resources.cpuMilli, pods: u.pods + 1 });
  }
  return usage;
}

/**
 * Filters nodes that can run the pod (ready, enough memory, cpu and pod slots), then picks the one
 * that spreads the pod's function best and, among those, the least allocated.
 * (Issue 4 turns these into one-method filter and score plugins.)
 */
export function schedule(pod: Pod, nodes: readonly TideNode[], pods: readonly Pod[]): ScheduleResult {
  const usage = usageByNode(pods);
  const reasons: string[] = [];
  const fitting = nodes.filter((node) => {
    const name = node.metadata.name;
    const used = usage.get(name) ?? { memoryMb: 0, cpuMilli: 0, pods: 0 };
    const { capacity } = node.spec;
    if (!node.status.ready) reasons.push(`node ${name}: not ready`);
    else if (used.memoryMb + pod.spec.resources.memoryMb > capacity.memoryMb) reasons.push(`node ${name}: insufficient memory (${capacity.memoryMb - used.memoryMb} MB free, ${pod.spec.resources.memoryMb} MB asked)`);
    else if (used.cpuMilli + pod.spec.resources.cpuMilli > capacity.cpuMilli) reasons.push(`node ${name}: insufficient cpu (${capacity.cpuMilli - used.cpuMilli}m free, ${pod.spec.resources.cpuMilli}m asked)`);
    else if (used.pods + 1 > capacity.pods) reasons.push(`node ${name}: too many pods (${capacity.pods} max)`);
    else return true;
    return false;
  });
  if (fitting.length === 0) return { node: undefined, reasons: nodes.length ? reasons : ['no nodes registered'] };
  const sameFunction = (name: string) => pods.filter((p) => p.spec.node === name && p.spec.function === pod.spec.function && p.metadata.namespace === pod.metadata.namespace).length;
  const freeShare = (node: TideNode) => 1 - (usage.get(node.metadata.name)?.memoryMb ?? 0) / node.spec.capacity.memoryMb;
  const best = [...fitting].sort(
    (a, b) => sameFunction(a.metadata.name) - sameFunction(b.metadata.name) || freeShare(b) - freeShare(a) || a.metadata.name.localeCompare(b.metadata.name),
  )[0]!;
  return { node: best.metadata.name };
}
