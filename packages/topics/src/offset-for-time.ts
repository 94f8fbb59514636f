import type { EventLog } from '@tide/log';

/** A record's place and stamp: all the search needs to know of it. */
export interface StampedOffset {
  offset: number;
  timestamp: number;
}

/**
 * The first offset below `end` whose record is stamped at or after `timestamp`, else `end`, by a
 * binary search: Kafka's ListOffsets by timestamp, for a log that has no index by time. Assumes
 * stamps do not go down along the partition (the log stamps a record when it accepts it).
 * `recordFrom(o)` answers the first record at an offset ≥ o, so offsets a log no longer holds
 * are stepped over.
 */
export async function offsetForTime(end: number, timestamp: number, recordFrom: (offset: number) => Promise<StampedOffset | undefined>): Promise<number> {
  // Every record below `low` is stamped before `timestamp`; none from `high` on needs looking at.
  let low = 0;
  let high = end;
  while (low < high) {
    const middle = low + Math.floor((high - low) / 2);
    const record = await recordFrom(middle);
    if (record === undefined || record.offset >= high || record.timestamp >= timestamp) high = middle;
    else low = record.offset + 1;
  }
  return low;
}

/** `offsetForTime` on one log topic, reading one record per step. */
export async function logOffsetForTime(log: EventLog, topic: string, timestamp: number): Promise<number> {
  return offsetForTime(await log.endOffset(topic), timestamp, async (offset) => {
    for await (const record of log.read(topic, offset)) return { offset: record.offset, timestamp: record.timestamp };
    return undefined;
  });
}
