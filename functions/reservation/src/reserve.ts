/**
 * reserve: the consumer of topic `reservations`. A batch's messages are taken per person, in order;
 * each person's book (one KV entry, see core/person-book.ts) is read once, the new reservations
 * added — an id already in it is a redelivery and does nothing — and written back once, its counts
 * per slot as metadata. Then the person's messages are acked; if the write fails, retried.
 */
import { bookKey, emptyBook, reserve, slotCountsOf, type PersonBook } from './core/person-book.js';
import { reservationOf, type Reservation } from './core/reservation.js';
import type { KvNamespace, MessageBatch, QueueMessage } from './workers.js';

export interface ReserveEnv {
  RESERVED: KvNamespace;
}

export default {
  async queue(batch: MessageBatch, env: ReserveEnv): Promise<void> {
    const byPerson = new Map<string, { message: QueueMessage; reservation: Reservation }[]>();
    for (const message of batch.messages) {
      const reservation = reservationOf(message.body);
      if (!reservation) {
        // Retrying cannot make it a reservation: say so and let it go.
        console.error(`reserve: message ${message.id} is not a reservation: ${JSON.stringify(message.body).slice(0, 200)}`);
        message.ack();
        continue;
      }
      const list = byPerson.get(reservation.person) ?? [];
      list.push({ message, reservation });
      byPerson.set(reservation.person, list);
    }
    await Promise.all([...byPerson].map(([person, items]) => reservePerson(env.RESERVED, person, items)));
  },
};

async function reservePerson(kv: KvNamespace, person: string, items: { message: QueueMessage; reservation: Reservation }[]): Promise<void> {
  try {
    let book = ((await kv.get(bookKey(person), 'json')) as PersonBook | null) ?? emptyBook();
    let added = 0;
    for (const { reservation } of items) {
      const next = reserve(book, reservation);
      book = next.book;
      if (next.added) added++;
    }
    if (added > 0) await kv.put(bookKey(person), JSON.stringify(book), { metadata: slotCountsOf(book) });
    for (const { message } of items) message.ack();
  } catch (error) {
    console.error(`reserve: ${person}'s ${items.length} reservations will be retried: ${(error as Error).message}`);
    for (const { message } of items) message.retry();
  }
}
