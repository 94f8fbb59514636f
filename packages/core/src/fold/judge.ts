import { EventEnvelope } from '../events.js';
import { rejected, type ClusterState, type Verdict } from '../state.js';
import type { EventInput } from '../store/state-store.js';
import { apply } from './apply.js';

/** Stands in for the id and time the store gives an event: no rule's verdict depends on either. */
const PROBE = { id: 'judge-probe-not-an-event-id', time: new Date(0).toISOString() };

/**
 * The fold's verdict on an event as if it were appended next, after `state`: the same rules
 * (schema, leadership, precondition, handler), not a copy of them. A writer asks first so that an
 * event already doomed on the state it has never reaches the log; one accepted here can still lose
 * a race to an event appended meanwhile, and then the fold at its real offset decides.
 */
export function judge(state: ClusterState, event: EventInput): Verdict {
  const parsed = EventEnvelope.safeParse({ ...event, ...PROBE });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return rejected('invalid', `${event.type} is not a valid event: ${issues}`);
  }
  return apply(state, { ...parsed.data, offset: state.offset + 1 }).verdict;
}
