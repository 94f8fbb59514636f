import { apply, EventEnvelope, type ClusterState, type EventInput } from '@tide/core';

/**
 * The state `events` would leave if appended right after `state`, in order, as the fold would judge
 * them at those offsets; undefined if it would reject one. How a writer plans a step ahead of the
 * log (a PodBound's `expect` is the version its PodCreated will get). Only a plan: the log decides,
 * and a record that lands elsewhere (another writer came between) is judged there on its own.
 */
export function foldAhead(state: ClusterState, events: readonly EventInput[], nowMs: number): ClusterState | undefined {
  const time = new Date(nowMs).toISOString();
  let folded = state;
  for (const input of events) {
    const offset = folded.offset + 1;
    const envelope = EventEnvelope.safeParse({ ...input, id: `fold-ahead-${offset}`, time });
    if (!envelope.success) return undefined;
    const { state: next, verdict } = apply(folded, { ...envelope.data, offset });
    if (!verdict.accepted) return undefined;
    folded = next;
  }
  return folded;
}
