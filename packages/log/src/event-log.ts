/**
 * The EventLog port: an append-only, totally ordered log per topic (one partition each).
 * The embedded adapter and the Kafka adapter both implement it and both pass `eventLogContract`.
 */

/** A record as handed to `append`. */
export interface AppendRecord {
  /** Opaque payload; strings are stored as UTF-8. */
  value: Uint8Array | string;
  key?: string;
  headers?: Record<string, string>;
}

/** A record as read back: offsets are dense, start at 0, and never change. */
export interface LogRecord {
  topic: string;
  offset: number;
  /** Milliseconds since the epoch at which the log accepted the record. */
  timestamp: number;
  key: string | null;
  headers: Record<string, string>;
  value: Uint8Array;
}

export interface ReadOptions {
  /** Keep waiting for new records after reaching the end (default true). */
  follow?: boolean;
  /** Ends the iteration (without throwing) when aborted. */
  signal?: AbortSignal;
}

export interface EventLog {
  /**
   * Appends records in order and resolves with their offsets only once they are durable
   * (fsynced for the embedded log, acknowledged by all in-sync replicas for Kafka).
   */
  append(topic: string, records: readonly AppendRecord[]): Promise<number[]>;
  /**
   * Yields every record from `fromOffset` on, in order; tails the log when `follow` is set. A
   * tailing read whose log loses records it already yielded (or reached) throws LogRewoundError
   * rather than go on reading another history at the same offsets.
   */
  read(topic: string, fromOffset: number, options?: ReadOptions): AsyncIterable<LogRecord>;
  /** The offset the next appended record will get (= number of records ever written). */
  endOffset(topic: string): Promise<number>;
  /** Stores a consumer group's position: the next offset it wants to read. */
  commitOffset(group: string, topic: string, offset: number): Promise<void>;
  /** The position last committed by a consumer group, or undefined if it never committed. */
  committedOffset(group: string, topic: string): Promise<number | undefined>;
  close(): Promise<void>;
}
