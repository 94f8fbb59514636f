import type { ClusterState } from './state.js';
import { idWindowFromJSON, idWindowToJSON } from './fold/id-window.js';

const FORMAT = 1;

/** A snapshot is a cache of the fold at an offset: start-up loads it and replays only the tail. */
export function encodeSnapshot(state: ClusterState): Uint8Array {
  const { recentEventIds, ...rest } = state;
  return new TextEncoder().encode(JSON.stringify({ format: FORMAT, ...rest, recentEventIds: idWindowToJSON(recentEventIds) }));
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
  const { format: _format, recentEventIds, ...rest } = parsed;
  return { ...(rest as unknown as Omit<ClusterState, 'recentEventIds'>), recentEventIds: idWindowFromJSON(recentEventIds as string[][]) };
}
