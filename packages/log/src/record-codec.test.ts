import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, scanFrames } from './frame-scan.js';
import { decodeRecord, encodeRecords, isWellFormedRecord, recordFormat } from './record-codec.js';
import { InvalidRecordError } from './errors.js';
import type { AppendRecord, LogRecord } from './event-log.js';

function roundTrip(records: AppendRecord[], timestamp = 1_700_000_000_123): LogRecord[] {
  const buf = encodeRecords('t', records, timestamp);
  const out: LogRecord[] = [];
  const result = scanFrames(buf, 0, buf.length, recordFormat, (_f, s, e) => out.push(decodeRecord(buf, s, e, 't', out.length)));
  expect(result.stop).toEqual({ kind: 'end' });
  return out;
}

describe('record codec', () => {
  it('round-trips timestamp, key, headers and value', () => {
    const [r] = roundTrip([{ value: Uint8Array.from([0, 1, 255]), key: 'ключ', headers: { a: '1', ü: '✓', __proto__: 'p' } as Record<string, string> }]);
    expect(r).toMatchObject({ topic: 't', offset: 0, timestamp: 1_700_000_000_123, key: 'ключ' });
    expect(Array.from(r!.value)).toEqual([0, 1, 255]);
    expect(Object.entries(r!.headers)).toEqual(Object.entries({ a: '1', ü: '✓' }));
  });

  it('keeps a header literally named __proto__ as data', () => {
    const headers = JSON.parse('{"__proto__":"x","b":"y"}') as Record<string, string>;
    const [r] = roundTrip([{ value: 'v', headers }]);
    expect(Object.keys(r!.headers)).toEqual(['__proto__', 'b']);
    expect(Object.getOwnPropertyDescriptor(r!.headers, '__proto__')?.value).toBe('x');
  });

  it('stores strings as UTF-8 and tells a missing key from an empty one', () => {
    const [a, b] = roundTrip([{ value: 'héllo 🌊' }, { value: '', key: '' }]);
    expect(Buffer.from(a!.value).toString()).toBe('héllo 🌊');
    expect(a!.key).toBeNull();
    expect(a!.headers).toEqual({});
    expect(b!.key).toBe('');
    expect(b!.value.byteLength).toBe(0);
  });

  it('frames many records back to back, each with its own checksum', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ value: `v${i}`, key: i % 2 ? `k${i}` : undefined }));
    expect(roundTrip(records).map((r) => Buffer.from(r.value).toString())).toEqual(records.map((r) => r.value));
  });

  it('refuses a record with more than 65535 headers', () => {
    const headers = Object.fromEntries(Array.from({ length: 65536 }, (_, i) => [`h${i}`, '']));
    expect(() => encodeRecords('t', [{ value: '' }, { value: '', headers }], 0)).toThrow(InvalidRecordError);
  });

  it('refuses values, keys and header values of the wrong type before anything is written', () => {
    const bad = [{ value: { not: 'bytes' } }, { value: 'v', key: 42 }, { value: 'v', headers: { h: 1 } }] as unknown as AppendRecord[];
    for (const record of bad) expect(() => encodeRecords('t', [record], 0)).toThrow(InvalidRecordError);
  });

  it('calls a payload malformed when an inner length runs past its end', () => {
    const buf = encodeRecords('t', [{ value: 'v', key: 'key', headers: { h: 'x' } }], 0);
    const start = FRAME_HEADER_BYTES;
    expect(isWellFormedRecord(buf, start, buf.length)).toBe(true);
    const badKey = Buffer.from(buf);
    badKey.writeUInt32LE(1000, start + 9);
    expect(isWellFormedRecord(badKey, start, badKey.length)).toBe(false);
    const badFormat = Buffer.from(buf);
    badFormat[start] = 9;
    expect(isWellFormedRecord(badFormat, start, badFormat.length)).toBe(false);
    expect(isWellFormedRecord(buf, start, start + 10)).toBe(false);
  });
});
