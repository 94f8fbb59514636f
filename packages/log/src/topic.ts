/**
 * A topic's in-memory view: its segments, each with a sparse position index, and how many
 * records are readable. Only records that are durable (fsynced) are counted as readable.
 */
import { Notifier } from './notifier.js';
import { SparseIndex } from './sparse-index.js';

export interface Segment {
  readonly baseOffset: number;
  readonly file: string;
  /** Bytes of whole, readable records. */
  bytes: number;
  /** Readable records. */
  count: number;
  readonly index: SparseIndex;
}

export function createSegment(baseOffset: number, file: string): Segment {
  return { baseOffset, file, bytes: 0, count: 0, index: new SparseIndex() };
}

export interface RecordPosition {
  segment: Segment;
  /** Offset of the record that starts at `position` (at or before the one asked for). */
  offset: number;
  position: number;
}

export class Topic {
  readonly segments: Segment[] = [];
  /** Wakes readers when records become readable or the log closes. */
  readonly changed = new Notifier();

  constructor(
    readonly name: string,
    readonly dir: string,
  ) {}

  /** The offset after the last readable record. */
  get endOffset(): number {
    const last = this.segments.at(-1);
    return last ? last.baseOffset + last.count : 0;
  }

  /** The oldest offset still held (retention deletes whole segments from the front). */
  get startOffset(): number {
    return this.segments[0]?.baseOffset ?? 0;
  }

  /** Bytes of readable records over all segments. */
  get bytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.bytes;
    return total;
  }

  get lastSegment(): Segment | undefined {
    return this.segments.at(-1);
  }

  /** Where to start reading to reach `offset` (binary search over segments, then the sparse index). */
  locate(offset: number): RecordPosition | undefined {
    const segment = this.segmentOf(offset);
    if (!segment) return undefined;
    const entry = segment.index.floor(offset - segment.baseOffset);
    return { segment, offset: segment.baseOffset + entry.relativeOffset, position: entry.position };
  }

  /** The segment holding `offset`, if that record is readable. */
  segmentOf(offset: number): Segment | undefined {
    const segments = this.segments;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = segments[mid]!;
      if (offset < s.baseOffset) hi = mid - 1;
      else if (offset >= s.baseOffset + s.count) lo = mid + 1;
      else return s;
    }
    return undefined;
  }
}
