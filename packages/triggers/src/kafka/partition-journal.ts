/**
 * One partition's share of the retry journal (`tide.triggers`): what it remembered at assignment,
 * the entries it writes, and the read position it leaves for the next owner. The position is the
 * lowest journal offset of an entry whose record the commit has not passed yet (or past every entry
 * known here), so a restart reads only what still matters.
 */
import { journalKey, journalPrefix, type JournalEntry } from './core/journal-entry.js';
import type { RetryJournal } from './retry-journal.js';

export class PartitionJournal {
  readonly #journal: RetryJournal;
  readonly #uid: string;
  readonly #topic: string;
  readonly #partition: number;
  readonly #group: string;
  /** Per record offset, the lowest `tide.triggers` offset holding an entry of it. */
  readonly #logOffsets = new Map<number, number>();
  readonly #pending = new Set<Promise<unknown>>();
  #lastLogOffset = -1;
  #position = -1;

  constructor(journal: RetryJournal, uid: string, group: string, topic: string, partition: number) {
    this.#journal = journal;
    this.#uid = uid;
    this.#topic = topic;
    this.#partition = partition;
    this.#group = `${group}.journal.${topic}.${partition}`;
  }

  /** The entries of records from `committed` on, as this partition's last owners left them. */
  async load(committed: number): Promise<Map<number, JournalEntry>> {
    const from = (await this.#journal.position(this.#group)) ?? 0;
    const read = await this.#journal.read(journalPrefix(this.#uid, this.#topic, this.#partition), from, committed);
    for (const [offset, logOffset] of read.logOffsets) this.#logOffsets.set(offset, logOffset);
    this.#lastLogOffset = read.end - 1;
    this.#position = from;
    return read.entries;
  }

  write(offset: number, entry: JournalEntry, onError: (error: unknown) => void): void {
    const append = this.#journal.append(journalKey(this.#uid, this.#topic, this.#partition, offset), entry).then((logOffset) => {
      this.#lastLogOffset = Math.max(this.#lastLogOffset, logOffset);
      const known = this.#logOffsets.get(offset);
      if (known === undefined || logOffset < known) this.#logOffsets.set(offset, logOffset);
    }, onError);
    this.#pending.add(append);
    void append.finally(() => this.#pending.delete(append));
  }

  /** Resolves once every entry written so far is durable (before the partition goes to another owner). */
  async settled(): Promise<void> {
    await Promise.all(this.#pending);
  }

  /** After a commit of `committed`: entries below it no longer matter; moves the read position on. */
  async committed(committed: number): Promise<void> {
    let lowest: number | undefined;
    for (const [offset, logOffset] of this.#logOffsets) {
      if (offset < committed) this.#logOffsets.delete(offset);
      else if (lowest === undefined || logOffset < lowest) lowest = logOffset;
    }
    const position = lowest ?? this.#lastLogOffset + 1;
    if (position <= this.#position) return;
    this.#position = position;
    await this.#journal.commitPosition(this.#group, position);
  }
}
