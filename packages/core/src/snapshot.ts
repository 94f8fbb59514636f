import { Map as PersistentMap } from 'immutable';
import { COLLECTIONS, type ClusterState } from './state.js';
import { idWindowFromJSON, idWindowToJSON } from './fold/id-window.js';
import { envTable, resolveEnvs } from './snapshot-envs.js';

/**
 * 2: persistent maps with sorted keys, and the id window as one list. 3: adds the fold rules
 * version in force. 4: a function's env is written once, in `envs` by its sha256, and named by
 * that hash from the function, its revisions and its pods (format 3 wrote it once for each: a
 * function with 3 pods, 5 times, and loaded it as 5 copies). A build that reads only older formats
 * refuses a newer snapshot and replays the log instead, so none is misread.
 */
const FORMAT = 4;
/** Written before rules were versioned: folded under version 1. */
const UNVERSIONED_FORMAT = 2;
const ENVS_BEFORE = 3;

/** A resource as a snapshot writes it: its env, if any, named by hash (see snapshot-envs.ts). */
function encodedResource(resource: object, envHash: string | undefined): string {
  if (envHash === undefined) return JSON.stringify(resource);
  const spec = (resource as { spec: object }).spec;
  return JSON.stringify({ ...resource, spec: { ...spec, env: envHash } });
}

/**
 * A snapshot is a cache of the fold at an offset: start-up loads it and replays only the tail.
 * Its JSON text in pieces of about one resource each, so a shell can write a large state a slice at
 * a time without holding the event loop (the state is persistent: the fold goes on meanwhile).
 */
export function* snapshotParts(state: ClusterState): Generator<string> {
  // A halted fold (state.halted) is the state before the switch it could not make; the halt
  // itself belongs to this process, not to the log, so it is not saved.
  // Keys sorted, so equal states give equal bytes whatever order their maps were built in.
  yield `{"format":${FORMAT},"offset":${state.offset},"rulesVersion":${state.rulesVersion}`;
  const envs = envTable();
  for (const name of COLLECTIONS) {
    const map = state[name] as PersistentMap<string, object>;
    yield `,${JSON.stringify(name)}:{`;
    let first = true;
    for (const key of [...map.keys()].sort(compare)) {
      const resource = map.get(key)!;
      yield `${first ? '' : ','}${JSON.stringify(key)}:${encodedResource(resource, envs.note(resource))}`;
      first = false;
    }
    yield '}';
  }
  yield ',"envs":{';
  yield* envs.parts();
  const leaders = Object.fromEntries(Object.entries(state.leaders).sort(([a], [b]) => compare(a, b)));
  yield `},"leaders":${JSON.stringify(leaders)},"recentEventIds":${JSON.stringify(idWindowToJSON(state.recentEventIds))}}`;
}

export function encodeSnapshot(state: ClusterState): Uint8Array {
  return new TextEncoder().encode([...snapshotParts(state)].join(''));
}

/** Characters gathered per chunk: few enough chunks, small enough copies. */
const CHUNK_CHARS = 1 << 20;

/**
 * The snapshot's bytes as chunks of about 1 MiB, made as they are asked for: storage writes each
 * before the next is encoded, so saving a state costs a chunk of memory, not the snapshot's size.
 */
export function* snapshotChunks(state: ClusterState): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  let group: string[] = [];
  let chars = 0;
  for (const part of snapshotParts(state)) {
    group.push(part);
    chars += part.length;
    if (chars >= CHUNK_CHARS) {
      yield encoder.encode(group.join(''));
      group = [];
      chars = 0;
    }
  }
  if (group.length > 0) yield encoder.encode(group.join(''));
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
  if (parsed.format !== FORMAT && parsed.format !== ENVS_BEFORE && parsed.format !== UNVERSIONED_FORMAT)
    throw new SnapshotFormatError(`format ${String(parsed.format)} is not ${UNVERSIONED_FORMAT}, ${ENVS_BEFORE} or ${FORMAT}`);
  const rulesVersion = parsed.format === UNVERSIONED_FORMAT ? 1 : parsed.rulesVersion;
  if (!Number.isInteger(rulesVersion) || (rulesVersion as number) < 1) throw new SnapshotFormatError(`rules version ${String(rulesVersion)} is not a version`);
  const missingEnv = parsed.format === FORMAT ? resolveEnvs(parsed, COLLECTIONS) : undefined;
  if (missingEnv !== undefined) throw new SnapshotFormatError(`it names env ${missingEnv}, which it does not hold`);
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
