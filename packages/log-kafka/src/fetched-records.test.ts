import { describe, expect, it } from 'vitest';
import { fetchedRecords, type FetchedMessage, type FetchedPartition } from './fetched-records.js';

const message = (offset: number, value: string, extra: Partial<FetchedMessage> = {}): FetchedMessage => ({
  offset: String(offset),
  timestamp: '1700000000000',
  key: null,
  value: Buffer.from(value),
  headers: {},
  ...extra,
});
const partition = (messages: FetchedMessage[], extra: Partial<FetchedPartition> = {}): FetchedPartition => ({
  partition: 0,
  highWatermark: '10',
  messages,
  ...extra,
});
const values = (result: ReturnType<typeof fetchedRecords>) => result.records.map((r) => [r.offset, Buffer.from(r.value).toString()]);

describe('fetchedRecords', () => {
  it('drops the part of a record batch before the offset asked for', () => {
    const result = fetchedRecords('t', 2, partition([message(0, 'a'), message(1, 'b'), message(2, 'c'), message(3, 'd')]));
    expect(values(result)).toEqual([
      [2, 'c'],
      [3, 'd'],
    ]);
    expect(result.next).toBe(4);
    expect(result.highWatermark).toBe(10);
  });

  it('decodes key, headers (the last of a repeated one) and time; a null value is empty', () => {
    const [record] = fetchedRecords(
      't',
      0,
      partition([message(0, '', { key: Buffer.from('clé'), value: null, headers: { a: Buffer.from('ü'), b: [Buffer.from('1'), Buffer.from('2')] } })]),
    ).records;
    expect(record).toMatchObject({ topic: 't', offset: 0, key: 'clé', headers: { a: 'ü', b: '2' }, timestamp: 1_700_000_000_000 });
    expect(record!.value.byteLength).toBe(0);
  });

  it('skips control records but moves past them', () => {
    const result = fetchedRecords('t', 0, partition([message(0, 'a'), message(1, '', { isControlRecord: true, key: Buffer.from([0, 0, 0, 1]) })]));
    expect(values(result)).toEqual([[0, 'a']]);
    expect(result.next).toBe(2);
  });

  it("hides an aborted transaction's records until its abort marker, and no other producer's", () => {
    const tx = (producerId: string) => ({ batchContext: { producerId, inTransaction: true } });
    const result = fetchedRecords(
      't',
      0,
      partition(
        [
          message(0, 'before'),
          message(1, 'aborted-1', tx('7')),
          message(2, 'committed-other', tx('8')),
          message(3, 'aborted-2', tx('7')),
          message(4, '', { ...tx('7'), isControlRecord: true, key: Buffer.from([0, 0, 0, 0]) }),
          message(5, 'after', tx('7')),
        ],
        { abortedTransactions: [{ producerId: '7', firstOffset: '1' }] },
      ),
    );
    expect(values(result)).toEqual([
      [0, 'before'],
      [2, 'committed-other'],
      [5, 'after'],
    ]);
  });

  it('returns nothing and the same next offset for an empty fetch', () => {
    expect(fetchedRecords('t', 5, partition([]))).toEqual({ records: [], next: 5, highWatermark: 10 });
  });
});
