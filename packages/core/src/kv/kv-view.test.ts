import { describe, expect, it } from 'vitest';
import { decodeKvRecord, encodeKvRecord, type KvRecord } from './kv-record.js';
import { applyKvRecord, emptyKvView, listKv, readKv, type KvView } from './kv-view.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const put = (key: string, value: string, extra: Partial<KvRecord> = {}): KvRecord => ({ namespace: 'default', kv: 'cache', key, value: b64(value), ...extra });
const fold = (...records: KvRecord[]): KvView => records.reduce(applyKvRecord, emptyKvView());
const NOW = 1_800_000_000_000;

describe('the KV view (a fold of the KV topic)', () => {
  it('reads what a put stored, with its metadata', () => {
    const view = fold(put('a', 'one', { metadata: { v: 1 } }));
    expect(readKv(view, 'default', 'cache', 'a', NOW)).toEqual({ value: b64('one'), metadata: { v: 1 } });
  });

  it('reads the latest of two puts of a key', () => {
    expect(readKv(fold(put('a', 'one'), put('a', 'two')), 'default', 'cache', 'a', NOW)?.value).toBe(b64('two'));
  });

  it('forgets a deleted key', () => {
    const view = fold(put('a', 'one'), { namespace: 'default', kv: 'cache', key: 'a' });
    expect(readKv(view, 'default', 'cache', 'a', NOW)).toBeUndefined();
    expect(listKv(view, 'default', 'cache', {}, NOW)).toEqual({ keys: [], list_complete: true });
  });

  it('keeps namespaces and KV namespaces apart', () => {
    const view = fold(put('a', 'one'), { ...put('a', 'other'), namespace: 'team-b' }, { ...put('a', 'third'), kv: 'sessions' });
    expect(readKv(view, 'default', 'cache', 'a', NOW)?.value).toBe(b64('one'));
    expect(readKv(view, 'team-b', 'cache', 'a', NOW)?.value).toBe(b64('other'));
    expect(readKv(view, 'default', 'sessions', 'a', NOW)?.value).toBe(b64('third'));
  });

  it('reads a key as absent from its expiration (epoch seconds) on, and leaves it out of lists', () => {
    const expiration = NOW / 1000 + 60;
    const view = fold(put('a', 'one', { expiration }), put('b', 'two'));
    expect(readKv(view, 'default', 'cache', 'a', NOW)?.expiration).toBe(expiration);
    expect(listKv(view, 'default', 'cache', {}, NOW).keys).toEqual([{ name: 'a', expiration }, { name: 'b' }]);
    expect(readKv(view, 'default', 'cache', 'a', expiration * 1000)).toBeUndefined();
    expect(listKv(view, 'default', 'cache', {}, expiration * 1000).keys).toEqual([{ name: 'b' }]);
  });

  it('lists keys with a prefix in order, a page at a time with a cursor', () => {
    const view = fold(put('user:3', 'c'), put('user:1', 'a', { metadata: 'm' }), put('other', 'x'), put('user:2', 'b'));
    const first = listKv(view, 'default', 'cache', { prefix: 'user:', limit: 2 }, NOW);
    expect(first.keys).toEqual([{ name: 'user:1', metadata: 'm' }, { name: 'user:2' }]);
    expect(first.list_complete).toBe(false);
    const second = listKv(view, 'default', 'cache', { prefix: 'user:', limit: 2, cursor: first.cursor! }, NOW);
    expect(second).toEqual({ keys: [{ name: 'user:3' }], list_complete: true });
  });

  it('does not change the view it was given', () => {
    const before = fold(put('a', 'one'));
    applyKvRecord(before, put('a', 'two'));
    expect(readKv(before, 'default', 'cache', 'a', NOW)?.value).toBe(b64('one'));
  });
});

describe('KV records', () => {
  it('round-trip, and a record of another shape decodes as nothing', () => {
    const record = put('a', 'one', { metadata: { x: [1] }, expiration: 5 });
    expect(decodeKvRecord(encodeKvRecord(record))).toEqual(record);
    expect(decodeKvRecord(new TextEncoder().encode('{"key":1}'))).toBeUndefined();
    expect(decodeKvRecord(new TextEncoder().encode('not json'))).toBeUndefined();
  });
});
