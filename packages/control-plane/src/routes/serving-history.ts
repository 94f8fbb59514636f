import { decodeEvent, keyOf, STATE_TOPIC, type ClusterState, type StateStore } from '@tide/core';
import type { ControlPlaneLog } from '../deps.js';

/**
 * Which revision a function served before the one it serves now, so that `rollout undo` toggles as
 * kubectl's does (undo twice = back where you were). The fold's own default, "the revision numbered
 * just below the latest", walks ever further back instead.
 */

/** A point in the log at which a function started serving a revision. */
export type ServingChange =
  | { offset: number; revision: string }
  /** A RolloutUndone that named no revision: the fold took the one numbered just below the serving one. */
  | { offset: number; undoToPrevious: true };

const numberOf = (revision: string) => Number(/-(\d+)$/.exec(revision)?.[1] ?? NaN);

/** Pure: the revision served last before `current`, among those that still exist; undefined if none. */
export function previousServingRevision(changes: readonly ServingChange[], current: string, exists: (revision: string) => boolean): string | undefined {
  const served: string[] = [];
  const known: string[] = [];
  for (const change of [...changes].sort((a, b) => a.offset - b.offset)) {
    if ('revision' in change) {
      served.push(change.revision);
      if (!known.includes(change.revision)) known.push(change.revision);
      continue;
    }
    const now = served.at(-1);
    if (now === undefined) continue;
    const below = known.filter((r) => numberOf(r) < numberOf(now)).sort((a, b) => numberOf(b) - numberOf(a))[0];
    if (below) served.push(below);
  }
  for (let i = served.length - 1; i >= 0; i--) if (served[i] !== current && exists(served[i]!)) return served[i];
  return undefined;
}

/**
 * The serving changes of one function: its revisions' creations (a revision's resourceVersion is the
 * offset that made it, and it serves from then on) and the accepted RolloutUndone events in the log
 * since the function was last deleted. Reads the state topic from the start: undo is rare, and only
 * the log remembers what served before.
 */
export async function readServingChanges(log: ControlPlaneLog, store: StateStore, namespace: string, name: string): Promise<ServingChange[]> {
  const fromRevisions = revisionCreations(store.state(), namespace, name);
  let undos: ServingChange[] = [];
  const end = store.state().offset;
  for await (const record of log.read(STATE_TOPIC, 0, { follow: false })) {
    if (record.offset > end) break;
    const decoded = decodeEvent(record.offset, record.value);
    if (!decoded.ok) continue;
    const { event } = decoded;
    if (event.type === 'FunctionDeleted' && event.data.namespace === namespace && event.data.name === name) undos = [];
    if (event.type !== 'RolloutUndone' || event.data.namespace !== namespace || event.data.name !== name) continue;
    // Writes are judged before they are appended, so a verdict the store no longer keeps was almost surely an acceptance.
    const verdict = await store.waitFor(record.offset);
    if (!verdict.accepted && !/no longer kept/.test(verdict.reason ?? '')) continue;
    undos.push(event.data.revision ? { offset: record.offset, revision: event.data.revision } : { offset: record.offset, undoToPrevious: true });
  }
  return [...fromRevisions, ...undos];
}

function revisionCreations(state: ClusterState, namespace: string, name: string): ServingChange[] {
  return [...state.revisions.values()]
    .filter((r) => r.metadata.namespace === namespace && r.spec.function === name)
    .map((r) => ({ offset: Number(r.metadata.resourceVersion), revision: r.metadata.name }));
}

export const revisionExists = (state: ClusterState, namespace: string) => (revision: string) => state.revisions.has(keyOf(namespace, revision));
