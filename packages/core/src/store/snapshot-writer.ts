import { snapshotParts } from '../snapshot.js';
import type { ClusterState } from '../state.js';
import type { Clock, SnapshotStorage } from './ports.js';

/**
 * Writes snapshots of the fold off the append path. A state is a persistent value, so the writer
 * can encode the one it was given a slice at a time (SLICE_MS of work, then the event loop runs
 * appends and the fold goes on) instead of stringifying it all at once: a 250 MB state written
 * whole held every append for seconds (apply p99 10 s in an apply flood). One write at a time; a
 * state asked for meanwhile replaces any other waiting, as only the newest is worth writing.
 */
export interface SnapshotWriter {
  write(state: ClusterState): void;
  /** Lets a write under way end without saving, and resolves once nothing is being written. */
  close(): Promise<void>;
}

const SLICE_MS = 8;
/** Bytes gathered per chunk handed to storage: few enough chunks, small enough copies. */
const CHUNK_CHARS = 1 << 20;

export function createSnapshotWriter(storage: SnapshotStorage, clock: Clock, onError: (error: Error) => void): SnapshotWriter {
  let writing: Promise<void> | undefined;
  let waiting: ClusterState | undefined;
  let closed = false;
  const encoder = new TextEncoder();

  const encode = async (state: ClusterState): Promise<Uint8Array[] | undefined> => {
    const chunks: Uint8Array[] = [];
    let group: string[] = [];
    let chars = 0;
    let sliceStarted = clock.now();
    for (const part of snapshotParts(state)) {
      group.push(part);
      chars += part.length;
      if (chars >= CHUNK_CHARS) {
        chunks.push(encoder.encode(group.join('')));
        group = [];
        chars = 0;
      }
      if (clock.now() - sliceStarted >= SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (closed) return undefined;
        sliceStarted = clock.now();
      }
    }
    chunks.push(encoder.encode(group.join('')));
    return chunks;
  };

  const start = (state: ClusterState) => {
    writing = (async () => {
      const chunks = await encode(state);
      if (chunks && !closed) await storage.save(state.offset, chunks);
    })()
      .catch((error: Error) => onError(new Error(`snapshot at offset ${state.offset} not written: ${error.message}`)))
      .finally(() => {
        writing = undefined;
        const next = waiting;
        waiting = undefined;
        if (next && !closed) start(next);
      });
  };

  return {
    write(state) {
      if (closed) return;
      if (writing) waiting = state;
      else start(state);
    },
    async close() {
      closed = true;
      waiting = undefined;
      await writing;
    },
  };
}
