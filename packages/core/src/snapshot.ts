import { Map as PersistentMap } from 'immutable';
import { COLLECTIONS, type ClusterState } from './state.js';
import { idWindowFromJSON, idWindowToJSON } from './fold/id-window.js';

/** 2: persistent maps with sorted keys, and the id window as one list. */
const FORMAT = 2;

/** A snapshot is a cache of the fold at an offset: start-up loads it and replays only the tail. */
export function encodeSnapshot(state: ClusterState): Uint8Array {
  // Keys sorted, so equal states give equal bytes whatever order their maps were built in.
  const collections = Object.fromEntries(COLLECTIONS.map((name) => [name, Object.fromEntries([...state[name].entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))]));
  const leaders = Object.fromEntries(Object.entries(state.leaders).sort(([a], [b]) => (a < b ? -1 : 1)));
  return new TextEncoder().encode(JSON.stringify({ format: FORMAT, offset: state.offset, ...collections, leaders, recentEventIds: idWindowToJSON(state.recentEventIds) }));
}

export class SnapshotFormatError extends Error {
  constructor(readonly reason: string) {
    super(`snapshot cannot be read: ${reason}`);
    this.name = 'SnapshotFormatError';
  }
}

export function decodeSnapshot(bytes: Uint8Array): ClusterState {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (error) {
    throw new SnapshotFormatError((error as Error).message);
  }
  if (parsed.format !== FORMAT) throw new SnapshotFormatError(`format ${String(parsed.format)} is not ${FORMAT}`);
  const collections = Object.fromEntries(COLLECTIONS.map((name) => [name, PersistentMap(parsed[name] as Record<string, unknown>)]));
  return {
    offset: parsed.offset as number,
    ...(collections as unknown as Pick<ClusterState, (typeof COLLECTIONS)[number]>),
    leaders: (parsed.leaders ?? {}) as ClusterState['leaders'],
    recentEventIds: idWindowFromJSON(parsed.recentEventIds as string[]),
  };
}
