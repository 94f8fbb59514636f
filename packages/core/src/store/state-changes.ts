import type { ClusterState } from '../state.js';
import type { StateStore } from './state-store.js';

/**
 * The parts of cluster state a projection can read: every field but the fold's own bookkeeping
 * (the offset and the window of event ids move with every record, accepted or rejected).
 */
export type StatePart = Exclude<keyof ClusterState, 'offset' | 'recentEventIds' | 'usage'>;

/** Usage is derived from pods and functions: it changes with them, and alone only when first counted. */
const BOOKKEEPING: ReadonlySet<string> = new Set(['offset', 'recentEventIds', 'usage']);

/**
 * The parts whose identity differs between two states. The fold never mutates: it replaces a
 * collection (a persistent map, so the rest is shared) exactly when something in it changed, and
 * keeps the very same object otherwise. So identity says what changed, whatever the event was —
 * a new event type needs no list kept up to date here or in any projection.
 */
export function changedParts(before: ClusterState, after: ClusterState): StatePart[] {
  // Runs for every folded record of every follower, ahead of what it decides: no sets or spreads.
  const changed: StatePart[] = [];
  for (const part of Object.keys(after)) {
    if (!BOOKKEEPING.has(part) && before[part as StatePart] !== after[part as StatePart]) changed.push(part as StatePart);
  }
  for (const part of Object.keys(before)) if (!(part in after) && !BOOKKEEPING.has(part)) changed.push(part as StatePart);
  return changed;
}

/**
 * Calls `listener` after each folded record that changed one of `parts` ('any': any part), and
 * after the store starts over from the empty state when that changes them, with the parts that
 * changed. How a projection of state (routes, a reconcile loop) learns it must rebuild, instead of
 * by event names. A rejected event changes no part, so it calls no listener.
 */
export function subscribeToChanges<P extends StatePart>(
  store: Pick<StateStore, 'state' | 'subscribe'>,
  parts: readonly P[] | 'any',
  listener: (state: ClusterState, changed: P[]) => void,
): () => void {
  const wanted = (part: StatePart): part is P => parts === 'any' || (parts as readonly StatePart[]).includes(part);
  let previous = store.state();
  return store.subscribe((_event, _verdict, state) => {
    const all = changedParts(previous, state);
    const changed = parts === 'any' ? (all as P[]) : all.filter(wanted);
    previous = state;
    if (changed.length > 0) listener(state, changed);
  });
}
