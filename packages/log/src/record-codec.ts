/**
 * The payload of a topic record (all integers little-endian):
 *
 *   u8  format (= 1)
 *   f64 timestampMs
 *   u32 keyBytes (0xFFFFFFFF = no key) | key (UTF-8)
 *   u16 headerCount | headerCount × (u16 nameBytes | name | u32 valueBytes | value), UTF-8
 *   value: the rest of the payload
 *
 * Each payload is framed as `u32 payloadBytes | u32 crc32c(payload) | payload` (frame-scan.ts).
 * A record's offset is not stored: it is the segment's base offset plus the record's index in it.
 */
import { InvalidRecordError } from './errors.js';
import type { AppendRecord, LogRecord } from './event-log.js';
import { FRAME_HEADER_BYTES, readU32, writeFrameHeader, type FrameFormat } from './frame-scan.js';

const FORMAT_V1 = 1;
const NO_KEY = 0xffffffff;
const FIXED_BYTES = 1 + 8 + 4 + 2;
export const MAX_RECORD_BYTES = 128 * 1024 * 1024;

export const recordFormat: FrameFormat = {
  minPayloadBytes: FIXED_BYTES,
  maxPayloadBytes: MAX_RECORD_BYTES,
  isWellFormed: isWellFormedRecord,
};

/** Frames `records` into one buffer, ready to be written with a single write. */
export function encodeRecords(topic: string, records: readonly AppendRecord[], timestampMs: number): Buffer {
  let total = 0;
  for (let i = 0; i < records.length; i++) total += FRAME_HEADER_BYTES + payloadBytes(topic, records[i]!, i);
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const record of records) pos = encodeRecord(buf, pos, record, timestampMs);
  return buf;
}

function payloadBytes(topic: string, record: AppendRecord, index: number): number {
  const { value, key } = record;
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    throw new InvalidRecordError(topic, index, 'value must be a string or a Uint8Array');
  }
  if (key !== undefined && typeof key !== 'string') throw new InvalidRecordError(topic, index, 'key must be a string');
  let bytes = FIXED_BYTES + byteLength(value);
  if (key !== undefined) bytes += Buffer.byteLength(key);
  const headers = record.headers;
  if (headers !== undefined) {
    const names = Object.keys(headers);
    if (names.length > 0xffff) throw new InvalidRecordError(topic, index, 'more than 65535 headers');
    for (const name of names) {
      const nameBytes = Buffer.byteLength(name);
      if (nameBytes > 0xffff) throw new InvalidRecordError(topic, index, `header name longer than 65535 bytes`);
      const headerValue = headers[name];
      if (typeof headerValue !== 'string') throw new InvalidRecordError(topic, index, `header ${name} must be a string`);
      bytes += 6 + nameBytes + Buffer.byteLength(headerValue);
    }
  }
  if (bytes > MAX_RECORD_BYTES) {
    throw new InvalidRecordError(topic, index, `${bytes} bytes exceeds the ${MAX_RECORD_BYTES}-byte limit`);
  }
  return bytes;
}

function byteLength(value: Uint8Array | string): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
}

/** Writes one frame at `pos` and returns the position after it. Lengths are back-filled. */
function encodeRecord(buf: Buffer, pos: number, record: AppendRecord, timestampMs: number): number {
  const payloadStart = pos + FRAME_HEADER_BYTES;
  let p = buf.writeUInt8(FORMAT_V1, payloadStart);
  p = buf.writeDoubleLE(timestampMs, p);
  if (record.key === undefined) {
    p = buf.writeUInt32LE(NO_KEY, p);
  } else {
    const n = buf.write(record.key, p + 4);
    buf.writeUInt32LE(n, p);
    p += 4 + n;
  }
  p = writeHeaders(buf, p, record.headers);
  const value = record.value;
  if (typeof value === 'string') p += buf.write(value, p);
  else {
    buf.set(value, p);
    p += value.byteLength;
  }
  writeFrameHeader(buf, pos, p - payloadStart);
  return p;
}

function writeHeaders(buf: Buffer, pos: number, headers: Record<string, string> | undefined): number {
  const names = headers === undefined ? [] : Object.keys(headers);
  let p = buf.writeUInt16LE(names.length, pos);
  for (const name of names) {
    const nameBytes = buf.write(name, p + 2);
    buf.writeUInt16LE(nameBytes, p);
    p += 2 + nameBytes;
    const valueBytes = buf.write(headers![name]!, p + 4);
    buf.writeUInt32LE(valueBytes, p);
    p += 4 + valueBytes;
  }
  return p;
}

/**
 * Decodes the payload `buf[start, end)` of a frame already known to be well formed. The value is a
 * view into `buf`, which must therefore never be reused.
 */
export function decodeRecord(buf: Buffer, start: number, end: number, topic: string, offset: number): LogRecord {
  const timestamp = buf.readDoubleLE(start + 1);
  let p = start + 9;
  const keyBytes = buf.readUInt32LE(p);
  p += 4;
  let key: string | null = null;
  if (keyBytes !== NO_KEY) {
    key = buf.toString('utf8', p, p + keyBytes);
    p += keyBytes;
  }
  const headers: Record<string, string> = {};
  const headerCount = buf.readUInt16LE(p);
  p += 2;
  for (let i = 0; i < headerCount; i++) {
    const nameBytes = buf.readUInt16LE(p);
    const name = buf.toString('utf8', p + 2, p + 2 + nameBytes);
    p += 2 + nameBytes;
    const valueBytes = buf.readUInt32LE(p);
    setHeader(headers, name, buf.toString('utf8', p + 4, p + 4 + valueBytes));
    p += 4 + valueBytes;
  }
  // A view, not a copy: 100k copies of small values cost ~3x the rest of decoding. Readers give
  // each chunk its own buffer, so the view stays valid (and keeps that chunk alive while held).
  const value = new Uint8Array(buf.buffer, buf.byteOffset + p, end - p);
  return { topic, offset, timestamp, key, headers, value };
}

function setHeader(headers: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
  else headers[name] = value;
}

/** Whether every length inside the payload stays inside it (the checksum already matched). */
export function isWellFormedRecord(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < FIXED_BYTES || buf[start] !== FORMAT_V1) return false;
  let p = start + 9;
  const keyBytes = readU32(buf, p);
  p += 4;
  if (keyBytes !== NO_KEY) p += keyBytes;
  if (p + 2 > end) return false;
  const headerCount = buf[p]! | (buf[p + 1]! << 8);
  p += 2;
  for (let i = 0; i < headerCount; i++) {
    if (p + 2 > end) return false;
    p += 2 + (buf[p]! | (buf[p + 1]! << 8));
    if (p + 4 > end) return false;
    p += 4 + readU32(buf, p);
  }
  return p <= end;
}
