import { EventEnvelope } from '../events.js';
import { apply } from '../fold/apply.js';
import type { ClusterState, Verdict } from '../state.js';
import type { EventInput } from './state-store.js';

/**
 * The state `events` would leave if appended right after `state`, in order, judged by the fold as
 * at those offsets, with each one's verdict. How a writer plans a step ahead of the log (a leader's
 * batch whose PodBound expects the version its PodCreated will get). Only a plan: the log decides,
 * and a record that lands elsewhere is judged there on its own.
 */
export function foldAhead(state: ClusterState, events: readonly EventInput[], nowMs: number): { state: ClusterState; verdicts: Verdict[] } {
  const time = new Date(nowMs).toISOString();
  let folded = state;
  const verdicts: Verdict[] = [];
  for (const input of events) {
    const offset = folded.offset + 1;
    const envelope = EventEnvelope.safeParse({ ...input, id: `fold-ahead-${offset}`, time });
    if (!envelope.success) {
      verdicts.push({ accepted: false, code: 'invalid', reason: envelope.error.message });
      continue;
    }
    const result = apply(folded, { ...envelope.data, offset });
    verdicts.push(result.verdict);
    folded = result.state;
  }
  return { state: folded, verdicts };
}
