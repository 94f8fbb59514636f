/**
 * Entries of `tide.triggers`, the journal of a Kafka trigger's retry state: a record's failed
 * attempts and whether it is done, for records the commit has not passed yet. Read back when a
 * partition is assigned, so a retry continues where it was and a record already done is not
 * delivered again after a rebalance or a restart. Pure encoding.
 */

export const JOURNAL_TOPIC = 'tide.triggers';

export interface JournalEntry {
  /** Failed attempts so far. */
  attempts: number;
  /** When the next attempt may go (epoch ms). */
  dueAt: number;
  done?: 'succeeded' | 'dead-lettered';
}

/** `<trigger uid>/<topic>/<partition>/` — the prefix of one partition's entries. */
export function journalPrefix(triggerUid: string, topic: string, partition: number): string {
  return `${triggerUid}/${topic}/${partition}/`;
}

export function journalKey(triggerUid: string, topic: string, partition: number, offset: number): string {
  return `${journalPrefix(triggerUid, topic, partition)}${offset}`;
}

export function encodeJournalEntry(entry: JournalEntry): string {
  return JSON.stringify(entry);
}

/** The offset and entry of a journal record of this partition, or undefined for another or a bad one. */
export function decodeJournalEntry(prefix: string, key: string | null, value: Uint8Array): { offset: number; entry: JournalEntry } | undefined {
  if (key === null || !key.startsWith(prefix)) return undefined;
  const offset = Number(key.slice(prefix.length));
  if (!Number.isSafeInteger(offset) || offset < 0) return undefined;
  try {
    const v = JSON.parse(new TextDecoder().decode(value)) as Partial<JournalEntry>;
    if (typeof v.attempts !== 'number' || typeof v.dueAt !== 'number') return undefined;
    const done = v.done === 'succeeded' || v.done === 'dead-lettered' ? v.done : undefined;
    return { offset, entry: { attempts: v.attempts, dueAt: v.dueAt, ...(done ? { done } : {}) } };
  } catch {
    return undefined;
  }
}

/** Folds entries read in log order: the last entry of an offset wins, and once done it stays done. */
export function foldJournal(entries: Iterable<{ offset: number; entry: JournalEntry }>, fromOffset: number): Map<number, JournalEntry> {
  const state = new Map<number, JournalEntry>();
  for (const { offset, entry } of entries) {
    if (offset < fromOffset) continue;
    const before = state.get(offset);
    state.set(offset, before?.done ? before : entry);
  }
  return state;
}
