import type { SlotCounts } from './person-book.js';

export interface ReservationReport {
  /** Reservations counted over all slots. */
  reserved: number;
  /** Persons with at least one reservation. */
  persons: number;
  bySlot: SlotCounts;
}

/** Sums the persons' counts per slot (the metadata of their books). */
export function summarize(books: readonly SlotCounts[]): ReservationReport {
  const bySlot: SlotCounts = {};
  let reserved = 0;
  for (const counts of books)
    for (const [slot, n] of Object.entries(counts)) {
      bySlot[slot] = (bySlot[slot] ?? 0) + n;
      reserved += n;
    }
  const sorted = Object.fromEntries(Object.entries(bySlot).sort(([a], [b]) => a.localeCompare(b)));
  return { reserved, persons: books.length, bySlot: sorted };
}

/** The line `report` logs on each tick. */
export function reportLine(report: ReservationReport): string {
  const slots = Object.entries(report.bySlot).map(([slot, n]) => `${slot}=${n}`);
  return `reservations: ${report.reserved} reserved by ${report.persons} persons${slots.length ? ` (${slots.join(', ')})` : ''}`;
}
