/**
 * The position a consumer may commit when calls finish out of order: the lowest offset not yet
 * finished (everything below it is done). Started 3, 4, 5; finished 4 and 5 → 3; then 3 → 6.
 */
export class OffsetWatermark {
  readonly #open = new Set<number>();
  #next: number;

  constructor(from: number) {
    this.#next = from;
  }

  /** A record read (offsets arrive in order). */
  started(offset: number): void {
    this.#open.add(offset);
    this.#next = Math.max(this.#next, offset + 1);
  }

  finished(offset: number): void {
    this.#open.delete(offset);
  }

  /** The next offset the group wants: the lowest unfinished, or past the last read. */
  committable(): number {
    let lowest = this.#next;
    for (const offset of this.#open) if (offset < lowest) lowest = offset;
    return lowest;
  }

  get unfinished(): number {
    return this.#open.size;
  }
}
