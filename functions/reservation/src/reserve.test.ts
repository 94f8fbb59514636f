import { describe, expect, it } from 'vitest';
import { bookKey } from './core/person-book.js';
import { batchOf, memoryKv } from './fakes.test-support.js';
import reserve from './reserve.js';

const r = (id: string, person: string, slot: string) => ({ id, person, slot });

describe('reserve', () => {
  it("adds each reservation to its person's book, counts per slot as metadata, and acks every message", async () => {
    const { kv, entries } = memoryKv();
    const { batch, outcome } = batchOf([r('1', 'ada', 'mon'), r('2', 'bob', 'mon'), r('3', 'ada', 'tue')]);
    await reserve.queue(batch, { RESERVED: kv });
    expect(JSON.parse(entries.get(bookKey('ada'))!.value)).toEqual({
      reservations: [
        { id: '1', slot: 'mon' },
        { id: '3', slot: 'tue' },
      ],
    });
    expect(entries.get(bookKey('ada'))!.metadata).toEqual({ mon: 1, tue: 1 });
    expect(entries.get(bookKey('bob'))!.metadata).toEqual({ mon: 1 });
    expect([...outcome.values()]).toEqual(['acked', 'acked', 'acked']);
  });

  it("keeps a person's reservations in the order they came, across batches, whatever the ids look like", async () => {
    const { kv, entries } = memoryKv();
    await reserve.queue(batchOf([r('20', 'ada', 'mon'), r('3', 'ada', 'mon')]).batch, { RESERVED: kv });
    await reserve.queue(batchOf([r('1', 'ada', 'tue')]).batch, { RESERVED: kv });
    expect(JSON.parse(entries.get(bookKey('ada'))!.value).reservations.map((x: { id: string }) => x.id)).toEqual(['20', '3', '1']);
  });

  it('does nothing for a second delivery of an id, in the same batch or a later one', async () => {
    const { kv, entries, puts } = memoryKv();
    await reserve.queue(batchOf([r('1', 'ada', 'mon'), r('1', 'ada', 'mon')]).batch, { RESERVED: kv });
    const again = batchOf([r('1', 'ada', 'mon')]);
    await reserve.queue(again.batch, { RESERVED: kv });
    expect(entries.get(bookKey('ada'))!.metadata).toEqual({ mon: 1 });
    expect(puts()).toBe(1);
    expect(again.outcome.get('m0')).toBe('acked');
  });

  it("retries a person's messages when the book cannot be written, and reserves them once on redelivery", async () => {
    const { kv, entries } = memoryKv({ failPuts: 1 });
    const first = batchOf([r('1', 'ada', 'mon'), r('2', 'ada', 'mon')]);
    await reserve.queue(first.batch, { RESERVED: kv });
    expect([...first.outcome.values()]).toEqual(['retried', 'retried']);
    expect(entries.size).toBe(0);
    await reserve.queue(batchOf([r('1', 'ada', 'mon'), r('2', 'ada', 'mon')]).batch, { RESERVED: kv });
    expect(entries.get(bookKey('ada'))!.metadata).toEqual({ mon: 2 });
  });

  it('acks a message that is no reservation (retrying cannot mend it) and reserves the rest', async () => {
    const { kv, entries } = memoryKv();
    const { batch, outcome } = batchOf(['garbage', r('1', 'ada', 'mon')]);
    await reserve.queue(batch, { RESERVED: kv });
    expect([...outcome.values()]).toEqual(['acked', 'acked']);
    expect(entries.size).toBe(1);
  });
});
