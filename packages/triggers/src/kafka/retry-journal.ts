/**
 * The shell of `tide.triggers`: appends journal entries (coalesced into one log append per turn of
 * the event loop, so a busy partition does not cost an fsync per record) and reads a partition's
 * entries back from the position its last commit left.
 */
import type { EventLog } from '@tide/log';
import { decodeJournalEntry, encodeJournalEntry, foldJournal, JOURNAL_TOPIC, type JournalEntry } from './core/journal-entry.js';

export interface RetryJournal {
  /** Resolves with the entry's offset in `tide.triggers` once durable. */
  append(key: string, entry: JournalEntry): Promise<number>;
  /** A partition's entries for record offsets ≥ `fromOffset`, with the lowest log offset each was read at. */
  read(
    prefix: string,
    fromLogOffset: number,
    fromOffset: number,
  ): Promise<{ entries: Map<number, JournalEntry>; logOffsets: Map<number, number>; end: number }>;
  /** Where a partition's reader starts: the position stored with `commitPosition`. */
  position(group: string): Promise<number | undefined>;
  commitPosition(group: string, logOffset: number): Promise<void>;
}

export function openRetryJournal(log: EventLog): RetryJournal {
  let pending: { key: string; value: string; resolve: (o: number) => void; reject: (e: unknown) => void }[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    log
      .append(
        JOURNAL_TOPIC,
        batch.map((p) => ({ key: p.key, value: p.value })),
      )
      .then(
        (offsets) => batch.forEach((p, i) => p.resolve(offsets[i]!)),
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      );
  };
  return {
    append(key, entry) {
      return new Promise((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ key, value: encodeJournalEntry(entry), resolve, reject });
      });
    },
    async read(prefix, fromLogOffset, fromOffset) {
      const end = await log.endOffset(JOURNAL_TOPIC);
      const read: { offset: number; entry: JournalEntry }[] = [];
      const logOffsets = new Map<number, number>();
      if (end > fromLogOffset) {
        for await (const record of log.read(JOURNAL_TOPIC, fromLogOffset, { follow: false })) {
          if (record.offset >= end) break;
          const decoded = decodeJournalEntry(prefix, record.key, record.value);
          if (!decoded || decoded.offset < fromOffset) continue;
          read.push(decoded);
          if (!logOffsets.has(decoded.offset)) logOffsets.set(decoded.offset, record.offset);
        }
      }
      return { entries: foldJournal(read, fromOffset), logOffsets, end };
    },
    position: (group) => log.committedOffset(group, JOURNAL_TOPIC),
    commitPosition: (group, logOffset) => log.commitOffset(group, JOURNAL_TOPIC, logOffset),
  };
}
