import { describe, expect, it } from 'vitest';
import { findValidFrame, FRAME_HEADER_BYTES, scanFrames, writeFrameHeader, type FrameFormat } from './frame-scan.js';

const format: FrameFormat = { minPayloadBytes: 1, maxPayloadBytes: 1000, isWellFormed: (buf, s) => buf[s] !== 0xee };

function frames(...payloads: string[]): Buffer {
  const parts = payloads.map((p) => {
    const frame = Buffer.alloc(FRAME_HEADER_BYTES + Buffer.byteLength(p));
    frame.write(p, FRAME_HEADER_BYTES);
    writeFrameHeader(frame, 0, Buffer.byteLength(p));
    return frame;
  });
  return Buffer.concat(parts);
}

describe('scanFrames', () => {
  it('walks whole frames to the end and reports each payload', () => {
    const buf = frames('alpha', 'be', 'gamma!');
    const seen: string[] = [];
    const result = scanFrames(buf, 0, buf.length, format, (_f, s, e) => seen.push(buf.toString('utf8', s, e)));
    expect(result).toEqual({ end: buf.length, count: 3, stop: { kind: 'end' } });
    expect(seen).toEqual(['alpha', 'be', 'gamma!']);
  });

  it.each([
    ['a partial header', 3, { kind: 'incomplete', needBytes: 8 }],
    ['a partial payload', 10, { kind: 'incomplete', needBytes: 14 }],
  ])('stops before %s', (_name, keep, stop) => {
    const buf = Buffer.concat([frames('one'), frames('second').subarray(0, keep)]);
    expect(scanFrames(buf, 0, buf.length, format)).toEqual({ end: 11, count: 1, stop });
  });

  it('stops at a zero length, a length over the maximum, a checksum mismatch and a malformed payload', () => {
    const good = frames('one');
    const zero = Buffer.concat([good, Buffer.alloc(20)]);
    expect(scanFrames(zero, 0, zero.length, format).stop).toEqual({ kind: 'invalid', fault: 'bad-length' });
    const huge = Buffer.concat([good, Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0, 1])]);
    expect(scanFrames(huge, 0, huge.length, format).stop).toEqual({ kind: 'invalid', fault: 'bad-length' });
    const flipped = frames('one', 'two');
    flipped[flipped.length - 1] = flipped.at(-1)! ^ 1;
    expect(scanFrames(flipped, 0, flipped.length, format)).toMatchObject({ end: 11, count: 1, stop: { fault: 'crc-mismatch' } });
    const malformed = frames('one', 'x');
    malformed[11 + FRAME_HEADER_BYTES] = 0xee; // the format's "malformed" marker, checksum fixed below
    writeFrameHeader(malformed, 11, 1);
    expect(scanFrames(malformed, 0, malformed.length, format).stop).toEqual({ kind: 'invalid', fault: 'malformed-payload' });
  });

  it('skips the checksum when asked, still checking lengths', () => {
    const flipped = frames('one', 'two');
    flipped[flipped.length - 1] = flipped.at(-1)! ^ 1;
    expect(scanFrames(flipped, 0, flipped.length, format, undefined, false)).toMatchObject({ count: 2 });
  });
});

describe('findValidFrame', () => {
  it('finds the next whole valid frame after damage, at any byte position', () => {
    const buf = Buffer.concat([frames('one'), Buffer.from('garbage!!'), frames('two')]);
    expect(findValidFrame(buf, 1, buf.length, format)).toBe(11 + 9);
  });

  it('finds nothing in zeros, random garbage or a torn frame', () => {
    const torn = frames('a longer payload').subarray(0, 15);
    for (const buf of [Buffer.alloc(64), Buffer.from('not a frame at all, just text'), torn]) {
      expect(findValidFrame(buf, 0, buf.length, format)).toBe(-1);
    }
  });
});
