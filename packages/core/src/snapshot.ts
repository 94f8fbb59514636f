import { Map as PersistentMap } from 'immutable';
import { COLLECTIONS, type ClusterState } from './state.js';
import { idWindowFromJSON, idWindowToJSON } from './fold/id-window.js';

/**
 * 2: persistent maps with sorted keys, and the id window as one list. 3: adds the fold rules
 * version in force. A build that reads only format 2 would fold on under its own rules, so a new
 * number makes it refuse the snapshot and replay the log (where it meets the switch) instead.
 */
const FORMAT = 3;
/** Written before rules were versioned: folded under version 1. */
const UNVERSIONED_FORMAT = 2;

/** A snapshot is a cache of the fold at an offset: start-up loads it and replays only the tail. */
export function encodeSnapshot(state: ClusterState): Uint8Array {
  // A halted fold (state.halted) is the state before the switch it could not make; the halt
  // itself belongs to this process, not to the log, so it is not saved.
  // Keys sorted, so equal states give equal bytes whatever order their maps were built in.
  const collections = Object.fromEntries(
    COLLECTIONS.map((name) => [name, Object.fromEntries([...state[name].entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))]),
  );
  const leaders = Object.fromEntries(Object.entries(state.leaders).sort(([a], [b]) => (a < b ? -1 : 1)));
  return new TextEncoder().encode(
    JSON.stringify({
      format: FORMAT,
      offset: state.offset,
      rulesVersion: state.rulesVersion,
      ...collections,
      leaders,
      recentEventIds: idWindowToJSON(state.recentEventIds),
    }),
  );
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
  if (parsed.format !== FORMAT && parsed.format !== UNVERSIONED_FORMAT)
    throw new SnapshotFormatError(`format ${String(parsed.format)} is not ${UNVERSIONED_FORMAT} or ${FORMAT}`);
  const rulesVersion = parsed.format === UNVERSIONED_FORMAT ? 1 : parsed.rulesVersion;
  if (!Number.isInteger(rulesVersion) || (rulesVersion as number) < 1) throw new SnapshotFormatError(`rules version ${String(rulesVersion)} is not a version`);
  // A snapshot written before a collection existed (triggers: rules version 3) has none of it.
  const collections = Object.fromEntries(COLLECTIONS.map((name) => [name, PersistentMap((parsed[name] ?? {}) as Record<string, unknown>)]));
  return {
    offset: parsed.offset as number,
    ...(collections as unknown as Pick<ClusterState, (typeof COLLECTIONS)[number]>),
    leaders: (parsed.leaders ?? {}) as ClusterState['leaders'],
    recentEventIds: idWindowFromJSON(parsed.recentEventIds as string[]),
    rulesVersion: rulesVersion as number,
  };
}
