import type { Reservation } from './reservation.js';

/**
 * One person's reservations, kept under one KV key per person. Only `reserve` writes it, and a
 * person's messages reach it one at a time in order (the topic is keyed by person and the trigger
 * keeps per-key order), so a read-modify-write of a book never races another.
 */
export interface PersonBook {
  /**
   * The person's reservations in the order they were reserved: the record that makes a second
   * delivery of an id do nothing, and that shows whether the person's order was kept.
   */
  reservations: { id: string; slot: string }[];
}

/** The counts per slot of one book: the KV entry's metadata, so `report` reads all of them in one list. */
export type SlotCounts = Record<string, number>;

export const emptyBook = (): PersonBook => ({ reservations: [] });

/** Adds a reservation to its person's book; `added: false` when the id is in it already (a redelivery). */
export function reserve(book: PersonBook, reservation: Reservation): { book: PersonBook; added: boolean } {
  if (book.reservations.some((r) => r.id === reservation.id)) return { book, added: false };
  return { book: { reservations: [...book.reservations, { id: reservation.id, slot: reservation.slot }] }, added: true };
}

export function slotCountsOf(book: PersonBook): SlotCounts {
  const counts: SlotCounts = {};
  for (const { slot } of book.reservations) counts[slot] = (counts[slot] ?? 0) + 1;
  return counts;
}

/** The KV key of a person's book. */
export const bookKey = (person: string) => `person/${person}`;
export const BOOK_PREFIX = 'person/';
