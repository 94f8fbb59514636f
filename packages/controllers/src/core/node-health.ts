import type { TideNode } from '@tide/core';

/** When each node incarnation was last heard from, by the controller's clock. */
export type LastSeen = ReadonlyMap<string, { bootId: string; at: number }>;

export interface ReadinessChange {
  name: string;
  bootId: string;
  ready: boolean;
  reason: string;
  expect: number;
}

/**
 * Which nodes change readiness now: a ready node not heard from for `graceMs` is not ready; a
 * not-ready node heard from again (same incarnation) is ready. A node never heard from since
 * `startedAt` gets a full grace period from then, so a restarted controller does not evict at once.
 */
export function readinessChanges(nodes: readonly TideNode[], lastSeen: LastSeen, now: number, graceMs: number, startedAt: number): ReadinessChange[] {
  const changes: ReadinessChange[] = [];
  for (const node of nodes) {
    const { name } = node.metadata;
    const { bootId, ready } = node.status;
    const seen = lastSeen.get(name);
    const heardAt = seen?.bootId === bootId ? seen.at : startedAt;
    const silentMs = now - heardAt;
    const expect = Number(node.metadata.resourceVersion);
    if (ready && silentMs > graceMs)
      changes.push({ name, bootId, ready: false, reason: `no lease renewal for ${(silentMs / 1000).toFixed(1)}s (grace ${graceMs / 1000}s)`, expect });
    else if (!ready && seen?.bootId === bootId && silentMs <= graceMs) changes.push({ name, bootId, ready: true, reason: 'lease renewed', expect });
  }
  return changes;
}
