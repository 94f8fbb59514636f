import { describe, expect, it } from 'vitest';
import { lostRecord } from './lost-record.js';
import type { LogRecord } from './event-log.js';

const record = (offset: number, value: string, timestamp = 1_000): LogRecord => ({
  topic: 't',
  offset,
  timestamp,
  key: null,
  headers: {},
  value: new TextEncoder().encode(value),
});

describe('lostRecord', () => {
  const last = record(4, 'e');
  it('finds nothing lost while the log holds the same record', () => {
    expect(lostRecord(last, 9, record(4, 'e'))).toBeUndefined();
  });
  it('takes a record gone while the log goes on past it for compaction or retention, not a lost history', () => {
    expect(lostRecord(last, 9, undefined)).toBeUndefined();
    expect(lostRecord(last, 9, record(6, 'g'))).toBeUndefined();
  });
  it('names a log that now ends before the record', () => {
    expect(lostRecord(last, 0, undefined)).toBe('ends at 0');
    expect(lostRecord(last, 4, undefined)).toBe('ends at 4');
  });
  it('names another record at the offset: other bytes or another time', () => {
    expect(lostRecord(last, 9, record(4, 'x'))).toBe('holds another record at offset 4');
    expect(lostRecord(last, 9, record(4, 'e', 2_000))).toBe('holds another record at offset 4');
  });
});
