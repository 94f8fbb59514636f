/**
 * A sparse map from record offsets (relative to a segment's base) to byte positions: one entry
 * per ~64 KiB, so a 64 MiB segment needs ~1024 entries and a seek reads at most 64 KiB it skips.
 */
export const INDEX_INTERVAL_BYTES = 64 * 1024;

export class SparseIndex {
  readonly #offsets: number[] = [];
  readonly #positions: number[] = [];

  constructor(private readonly intervalBytes = INDEX_INTERVAL_BYTES) {}

  /** Notes where a record starts; keeps it only if it is far enough past the last entry. */
  note(relativeOffset: number, position: number): void {
    const n = this.#positions.length;
    if (n === 0 || position - this.#positions[n - 1]! >= this.intervalBytes) {
      this.#offsets.push(relativeOffset);
      this.#positions.push(position);
    }
  }

  /** The nearest indexed record at or before `relativeOffset`: where to start reading. */
  floor(relativeOffset: number): { relativeOffset: number; position: number } {
    let lo = 0;
    let hi = this.#offsets.length - 1;
    if (hi < 0 || this.#offsets[0]! > relativeOffset) return { relativeOffset: 0, position: 0 };
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#offsets[mid]! <= relativeOffset) lo = mid;
      else hi = mid - 1;
    }
    return { relativeOffset: this.#offsets[lo]!, position: this.#positions[lo]! };
  }

  get size(): number {
    return this.#offsets.length;
  }
}
