/** The slice of the EventLog port the state store needs (declared here, by its consumer). */
export interface StateLog {
  append(topic: string, records: readonly { value: Uint8Array; headers?: Record<string, string> }[]): Promise<number[]>;
  read(
    topic: string,
    fromOffset: number,
    options?: { follow?: boolean; signal?: AbortSignal },
  ): AsyncIterable<{ offset: number; value: Uint8Array; headers?: Readonly<Record<string, string>> }>;
  endOffset(topic: string): Promise<number>;
}

/** Where snapshots of the fold are kept (files beside the embedded log, for example). */
export interface SnapshotStorage {
  /** The newest snapshot at or before `maxOffset` (any when absent). */
  load(maxOffset?: number): Promise<{ offset: number; bytes: Uint8Array } | undefined>;
  /**
   * Saves a snapshot's bytes, whole or as chunks written one after another as they come: a
   * chunk source that is still encoding lets storage write a large snapshot without ever holding
   * it whole. A source that throws leaves no snapshot (and the older ones as they were).
   */
  save(offset: number, bytes: SnapshotBytes): Promise<void>;
}

/** A snapshot's bytes: whole, in chunks, or chunks produced while they are written. */
export type SnapshotBytes = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** Reading a topic from an offset, tailing it: what followers of leases and metrics need of the log. */
export interface TopicReader {
  read(topic: string, fromOffset: number, options?: { follow?: boolean; signal?: AbortSignal }): AsyncIterable<{ offset: number; value: Uint8Array }>;
  endOffset(topic: string): Promise<number>;
}

/** The leadership a loop acts under (see LeaderElected): stamped on what it appends. */
export type LeaderStamp = () => { role: string; epoch: number } | undefined;

/**
 * Time for the shells that follow the log (reconcile loops, followers, the store): the one clock
 * they read and set timers on, so a test advances it by hand instead of sleeping.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
