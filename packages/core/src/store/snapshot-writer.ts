import { snapshotChunks } from '../snapshot.js';
import type { ClusterState } from '../state.js';
import type { Clock, SnapshotStorage } from './ports.js';

/**
 * Writes snapshots of the fold off the append path. A state is a persistent value, so the writer
 * can encode the one it was given a slice at a time (SLICE_MS of work, then the event loop runs
 * appends and the fold goes on) instead of stringifying it all at once: a 250 MB state written
 * whole held every append for seconds (apply p99 10 s in an apply flood). Each chunk goes to
 * storage as it is made, so a write holds one chunk, not the whole snapshot (which raised the
 * process's peak RSS by the snapshot's size). One write at a time; a state asked for meanwhile
 * replaces any other waiting, as only the newest is worth writing.
 */
export interface SnapshotWriter {
  write(state: ClusterState): void;
  /** Lets a write under way end without saving, and resolves once nothing is being written. */
  close(): Promise<void>;
}

const SLICE_MS = 8;

/** Thrown into storage's save by a writer closed mid-write: storage discards what it wrote. */
class SnapshotWriteAbandoned extends Error {
  constructor(offset: number) {
    super(`snapshot at offset ${offset} abandoned: the store is closing`);
    this.name = 'SnapshotWriteAbandoned';
  }
}

export function createSnapshotWriter(storage: SnapshotStorage, clock: Clock, onError: (error: Error) => void): SnapshotWriter {
  let writing: Promise<void> | undefined;
  let waiting: ClusterState | undefined;
  let closed = false;

  /** The state's chunks, pausing for the event loop after every SLICE_MS of encoding. */
  async function* chunks(state: ClusterState): AsyncGenerator<Uint8Array> {
    let sliceStarted = clock.now();
    for (const chunk of snapshotChunks(state)) {
      yield chunk;
      if (clock.now() - sliceStarted >= SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStarted = clock.now();
      }
      if (closed) throw new SnapshotWriteAbandoned(state.offset);
    }
  }

  const start = (state: ClusterState) => {
    writing = storage
      .save(state.offset, chunks(state))
      .catch((error: Error) => {
        if (!(error instanceof SnapshotWriteAbandoned)) onError(new Error(`snapshot at offset ${state.offset} not written: ${error.message}`));
      })
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
