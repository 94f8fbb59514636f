/** What a PodUnschedulable event can carry (its schema: at most 100 reasons of 512 characters). */
export const MAX_REASONS = 100;
export const MAX_REASON_CHARS = 512;

/**
 * Per-node reasons as they fit in an event. Up to 100 nodes each keeps its own line; beyond that
 * (5 000 nodes → 5 000 lines) they are counted by kind, as Kubernetes says
 * "0/5000 nodes are available: 4000 insufficient memory, 1000 not ready":
 * "node n7: insufficient memory (512 MB free, 1024 MB asked)" counts as "insufficient memory".
 */
export function summariseReasons(reasons: readonly string[]): string[] {
  if (reasons.length <= MAX_REASONS) return reasons.map(clip);
  const counts = new Map<string, number>();
  for (const reason of reasons) {
    const kind = kindOf(reason);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const lines = [...counts].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1)).map(([kind, n]) => `${n} nodes: ${kind}`);
  const summary = `0/${reasons.length} nodes are available`;
  return [summary, ...lines].slice(0, MAX_REASONS).map(clip);
}

function kindOf(reason: string): string {
  const withoutNode = reason.replace(/^node [^:]*: /, '');
  const paren = withoutNode.indexOf(' (');
  return paren < 0 ? withoutNode : withoutNode.slice(0, paren);
}

function clip(reason: string): string {
  return reason.length <= MAX_REASON_CHARS ? reason : `${reason.slice(0, MAX_REASON_CHARS - 1)}…`;
}
