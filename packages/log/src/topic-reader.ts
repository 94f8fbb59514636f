/**
 * Reading a topic: segment files are read in chunks of up to 1 MiB (one read per chunk, not per
 * record) and each record is decoded as it is yielded. With `follow`, the reader waits for more
 * records once it reaches the end. Frame lengths and payload structure are always checked;
 * checksums only with `verify`, since every readable record was already checked once by this
 * instance (by the scan on open or refresh) or written by it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { readFully } from './durable-fs.js';
import { linkSignals } from './notifier.js';
import { LogCorruptionError } from './errors.js';
import type { LogRecord } from './event-log.js';
import { scanFrames } from './frame-scan.js';
import { decodeRecord, recordFormat } from './record-codec.js';
import type { Segment, Topic } from './topic.js';

const MAX_CHUNK_BYTES = 1024 * 1024;

export interface ReadSource {
  /** Runs once before the first record is read. */
  prepare?(): Promise<void>;
  /** The topic as currently known (it may not exist on disk yet). */
  topic(): Topic;
  /** Resolves when more records may be readable, or when `signal` aborts. */
  waitForMore(signal: AbortSignal): Promise<void>;
}

/** Where the reader is: an open segment file and the record that starts at `position`. */
interface Cursor {
  segment: Segment;
  handle: FileHandle;
  offset: number;
  position: number;
}

export interface ReadTopicOptions {
  follow: boolean;
  /** Reading ends when any of these aborts: the caller's signal, the log's close. */
  signals: readonly (AbortSignal | undefined)[];
  verify: boolean;
}

export async function* readTopic(
  source: ReadSource,
  fromOffset: number,
  { follow, signals, verify }: ReadTopicOptions,
): AsyncGenerator<LogRecord, void, undefined> {
  // Linked here, not by the caller, so the links exist only while the generator runs.
  const { signal, dispose } = linkSignals(signals);
  let next = fromOffset;
  let cursor: Cursor | undefined;
  let recordBytes = 0; // > 0 when the next record alone is larger than a chunk
  try {
    await source.prepare?.();
    while (!signal.aborted) {
      const topic = source.topic();
      // Records that retention deleted are skipped, as a Kafka consumer resets to the earliest.
      if (next < topic.startOffset) next = topic.startOffset;
      if (next >= topic.endOffset) {
        if (!follow) return;
        await source.waitForMore(signal);
        continue;
      }
      try {
        cursor = await seek(topic, cursor, next);
      } catch (error) {
        // Retention deleted the segment between finding and opening it: start at the oldest kept.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && next < topic.startOffset) {
          cursor = undefined; // seek closed its file already
          continue;
        }
        throw error;
      }
      const want = Math.min(Math.max(MAX_CHUNK_BYTES, recordBytes), cursor.segment.bytes - cursor.position);
      // A fresh buffer per chunk: decoded values are views into it (see decodeRecord).
      const { records, needBytes } = await readChunk(topic.name, cursor, Buffer.allocUnsafe(want), want, next, verify);
      recordBytes = needBytes;
      for (const record of records) {
        if (signal.aborted) return;
        next = record.offset + 1;
        yield record;
      }
    }
  } finally {
    dispose();
    await cursor?.handle.close();
  }
}

/** Keeps the cursor when reading on sequentially; otherwise opens the right segment at the nearest index entry. */
async function seek(topic: Topic, cursor: Cursor | undefined, offset: number): Promise<Cursor> {
  const current = cursor?.segment;
  if (cursor && current && offset >= cursor.offset && offset < current.baseOffset + current.count) return cursor;
  const located = topic.locate(offset);
  // Unreachable while callers check endOffset first; a bug if it happens.
  if (!located) throw new Error(`offset ${offset} of topic ${topic.name} is in no segment`);
  await cursor?.handle.close();
  const handle = await open(located.segment.file, 'r');
  return { segment: located.segment, handle, offset: located.offset, position: located.position };
}

interface Chunk {
  records: LogRecord[];
  /** Set when no record fit: the size of the next one, to read it whole. */
  needBytes: number;
}

/** Reads `want` bytes at the cursor, decodes the whole records from `from` on, and advances the cursor. */
async function readChunk(topicName: string, cursor: Cursor, chunk: Buffer, want: number, from: number, verify: boolean): Promise<Chunk> {
  const got = await readFully(cursor.handle, chunk, want, cursor.position);
  const records: LogRecord[] = [];
  let offset = cursor.offset;
  const result = scanFrames(
    chunk,
    0,
    got,
    recordFormat,
    (_frame, payloadStart, payloadEnd) => {
      if (offset >= from) records.push(decodeRecord(chunk, payloadStart, payloadEnd, topicName, offset));
      offset++;
    },
    verify,
  );
  const stop = result.stop;
  const readable = cursor.segment.bytes - cursor.position;
  const overruns = stop.kind === 'incomplete' && result.count === 0 && stop.needBytes > readable;
  if (stop.kind === 'invalid' || got < want || overruns) {
    // Bytes counted as readable are not whole valid records: damaged after they were written.
    const reason = stop.kind === 'invalid' ? stop.fault : 'truncated-under-reader';
    throw new LogCorruptionError(cursor.segment.file, cursor.position + result.end, offset, reason);
  }
  cursor.offset = offset;
  cursor.position += result.end;
  const needBytes = stop.kind === 'incomplete' && result.count === 0 ? stop.needBytes : 0;
  return { records, needBytes };
}
