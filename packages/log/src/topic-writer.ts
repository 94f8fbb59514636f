/**
 * The append path of one topic. Appends are encoded (and checksummed) synchronously in call
 * order and given offsets at once; group commit then writes each batch with one write and one
 * fdatasync, and only after that are the records readable and the appends acknowledged.
 */
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, writeFully } from './durable-fs.js';
import { LogWriteError } from './errors.js';
import type { AppendRecord } from './event-log.js';
import { FRAME_HEADER_BYTES, readU32 } from './frame-scan.js';
import { GroupCommit } from './group-commit.js';
import { encodeRecords } from './record-codec.js';
import { segmentFile } from './segment-files.js';
import { createSegment, type Segment, type Topic } from './topic.js';

export interface WriterOptions {
  segmentBytes: number;
  fsync: boolean;
  clock: () => number;
  /** Keep at most about this many bytes: whole oldest segments go once the topic holds more. */
  retainBytes?: number;
}

export interface WriteStats {
  batches: number;
  records: number;
  bytes: number;
}

interface Batch {
  bytes: Buffer;
  count: number;
}

export class TopicWriter {
  #nextOffset: number;
  #handle: FileHandle | undefined;
  #handleSegment: Segment | undefined;
  readonly #commit = new GroupCommit<Batch>((batches) => this.#write(batches));

  constructor(
    readonly topic: Topic,
    private readonly options: WriterOptions,
    private readonly stats: WriteStats,
  ) {
    this.#nextOffset = topic.endOffset;
  }

  async append(records: readonly AppendRecord[]): Promise<number[]> {
    if (records.length === 0) return [];
    const failure = this.#commit.failure;
    if (failure !== undefined) throw failure;
    const bytes = encodeRecords(this.topic.name, records, this.options.clock());
    const first = this.#nextOffset;
    this.#nextOffset += records.length;
    await this.#commit.submit({ bytes, count: records.length });
    const offsets = new Array<number>(records.length);
    for (let i = 0; i < records.length; i++) offsets[i] = first + i;
    return offsets;
  }

  /** Waits for queued appends, then closes the segment file. */
  async close(): Promise<void> {
    await this.#commit.whenIdle();
    await this.#handle?.close();
    this.#handle = undefined;
  }

  async #write(batches: readonly Batch[]): Promise<void> {
    let count = 0;
    for (const b of batches) count += b.count;
    const data = batches.length === 1 ? batches[0]!.bytes : Buffer.concat(batches.map((b) => b.bytes));
    const segment = await this.#segmentFor(data.length);
    try {
      const handle = await this.#handleFor(segment);
      await writeFully(handle, data, segment.bytes);
      if (this.options.fsync) await handle.datasync();
    } catch (error) {
      throw new LogWriteError(segment.file, error);
    }
    indexFrames(segment, data);
    segment.bytes += data.length;
    segment.count += count;
    this.stats.batches++;
    this.stats.records += count;
    this.stats.bytes += data.length;
    this.topic.changed.notify();
    if (this.options.retainBytes !== undefined) await this.#retain(this.options.retainBytes);
  }

  /**
   * Deletes the oldest segments while the topic holds more than retainBytes, never the one being
   * written. A reader still in a deleted segment keeps its open file (unlinked, not gone); one that
   * asks for a deleted offset starts at the oldest kept (see readTopic).
   */
  async #retain(limit: number): Promise<void> {
    const segments = this.topic.segments;
    let bytes = this.topic.bytes;
    while (segments.length > 1 && bytes > limit) {
      const oldest = segments.shift()!;
      bytes -= oldest.bytes;
      await rm(oldest.file, { force: true });
    }
  }

  /** The last segment, or a new one when the batch would push a non-empty segment past the limit. */
  async #segmentFor(batchBytes: number): Promise<Segment> {
    const last = this.topic.lastSegment;
    if (last && (last.bytes === 0 || last.bytes + batchBytes <= this.options.segmentBytes)) return last;
    const segment = createSegment(this.topic.endOffset, segmentFile(this.topic.dir, this.topic.endOffset));
    try {
      await this.#createSegmentFile(segment.file, last === undefined);
    } catch (error) {
      throw new LogWriteError(segment.file, error);
    }
    this.topic.segments.push(segment);
    return segment;
  }

  async #createSegmentFile(file: string, firstOfTopic: boolean): Promise<void> {
    if (firstOfTopic) {
      await mkdir(this.topic.dir, { recursive: true });
      if (this.options.fsync) await fsyncDir(dirname(this.topic.dir));
    }
    const handle = await open(file, 'wx');
    await handle.close();
    // The new name must be durable before any record acknowledged in it.
    if (this.options.fsync) await fsyncDir(this.topic.dir);
  }

  async #handleFor(segment: Segment): Promise<FileHandle> {
    if (this.#handle && this.#handleSegment === segment) return this.#handle;
    await this.#handle?.close();
    this.#handle = undefined;
    this.#handle = await open(segment.file, 'r+');
    this.#handleSegment = segment;
    return this.#handle;
  }
}

/** Adds the frames of a just-written batch to the segment's sparse index (lengths only, no parse). */
function indexFrames(segment: Segment, data: Buffer): void {
  let offset = segment.count;
  for (let p = 0; p < data.length; offset++) {
    segment.index.note(offset, segment.bytes + p);
    p += FRAME_HEADER_BYTES + readU32(data, p);
  }
}
