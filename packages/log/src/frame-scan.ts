/**
 * Frames on disk: `u32le payloadBytes | u32le crc32c(payload) | payload`.
 * These pure functions walk frames in a byte buffer; the file-reading shells decide what a stop
 * means (a torn tail to truncate, corruption to report, or bytes still being written).
 */
import { crc32c } from './crc32c.js';

export const FRAME_HEADER_BYTES = 8;

/** What a payload must look like beyond its checksum; each framed file has its own format. */
export interface FrameFormat {
  minPayloadBytes: number;
  maxPayloadBytes: number;
  isWellFormed(buf: Uint8Array, start: number, end: number): boolean;
}

export type FrameFault = 'bad-length' | 'crc-mismatch' | 'malformed-payload';

export type ScanStop =
  /** Every byte up to `end` was whole frames. */
  | { kind: 'end' }
  /** The frame at the stop position needs `needBytes` (header included) but fewer are present. */
  | { kind: 'incomplete'; needBytes: number }
  /** The frame at the stop position can never be valid. */
  | { kind: 'invalid'; fault: FrameFault };

export interface ScanResult {
  /** Position just after the last whole valid frame (= where scanning stopped). */
  end: number;
  /** Number of whole valid frames walked. */
  count: number;
  stop: ScanStop;
}

/** Called with each valid frame's start position, payload start and payload end. */
export type FrameVisitor = (frameStart: number, payloadStart: number, payloadEnd: number) => void;

const END: ScanStop = { kind: 'end' };

/** Walks whole valid frames in `buf[start, end)` and stops at the first one that is not. */
export function scanFrames(buf: Uint8Array, start: number, end: number, format: FrameFormat, visit?: FrameVisitor, verifyCrc = true): ScanResult {
  let pos = start;
  let count = 0;
  while (pos < end) {
    if (end - pos < FRAME_HEADER_BYTES) {
      return { end: pos, count, stop: { kind: 'incomplete', needBytes: FRAME_HEADER_BYTES } };
    }
    const length = readU32(buf, pos);
    if (length < format.minPayloadBytes || length > format.maxPayloadBytes) {
      return { end: pos, count, stop: { kind: 'invalid', fault: 'bad-length' } };
    }
    const payloadStart = pos + FRAME_HEADER_BYTES;
    const payloadEnd = payloadStart + length;
    if (payloadEnd > end) {
      return { end: pos, count, stop: { kind: 'incomplete', needBytes: FRAME_HEADER_BYTES + length } };
    }
    const fault = frameFault(buf, pos, payloadStart, payloadEnd, format, verifyCrc);
    if (fault !== undefined) return { end: pos, count, stop: { kind: 'invalid', fault } };
    visit?.(pos, payloadStart, payloadEnd);
    count++;
    pos = payloadEnd;
  }
  return { end: pos, count, stop: END };
}

function frameFault(buf: Uint8Array, pos: number, payloadStart: number, payloadEnd: number, format: FrameFormat, verifyCrc: boolean): FrameFault | undefined {
  if (verifyCrc && crc32c(buf, payloadStart, payloadEnd) !== readU32(buf, pos + 4)) return 'crc-mismatch';
  if (!format.isWellFormed(buf, payloadStart, payloadEnd)) return 'malformed-payload';
  return undefined;
}

/**
 * The position of the first whole valid frame starting anywhere in `buf[from, end)`, or -1.
 * Used after a bad frame to tell corruption in the middle of a log (valid records follow) from a
 * damaged tail (nothing valid follows). Random bytes pass as a frame with probability ~2^-32.
 */
export function findValidFrame(buf: Uint8Array, from: number, end: number, format: FrameFormat): number {
  const last = end - FRAME_HEADER_BYTES - format.minPayloadBytes;
  for (let pos = from; pos <= last; pos++) {
    const length = readU32(buf, pos);
    if (length < format.minPayloadBytes || length > format.maxPayloadBytes) continue;
    const payloadEnd = pos + FRAME_HEADER_BYTES + length;
    if (payloadEnd > end) continue;
    if (frameFault(buf, pos, pos + FRAME_HEADER_BYTES, payloadEnd, format, true) === undefined) return pos;
  }
  return -1;
}

/** Writes the frame header for a payload already placed at `pos + FRAME_HEADER_BYTES`. */
export function writeFrameHeader(buf: Uint8Array, pos: number, payloadBytes: number): void {
  const payloadStart = pos + FRAME_HEADER_BYTES;
  writeU32(buf, pos, payloadBytes);
  writeU32(buf, pos + 4, crc32c(buf, payloadStart, payloadStart + payloadBytes));
}

export function readU32(buf: Uint8Array, pos: number): number {
  return (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
}

function writeU32(buf: Uint8Array, pos: number, value: number): void {
  buf[pos] = value & 0xff;
  buf[pos + 1] = (value >>> 8) & 0xff;
  buf[pos + 2] = (value >>> 16) & 0xff;
  buf[pos + 3] = value >>> 24;
}
