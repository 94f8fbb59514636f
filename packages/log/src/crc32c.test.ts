import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

/** Bit-at-a-time CRC-32C: slow, obviously right, the reference for the table-driven one. */
function reference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it.each([
    ['the check value of "123456789"', Buffer.from('123456789'), 0xe3069283],
    ['no bytes', new Uint8Array(0), 0],
    ['32 zero bytes (RFC 3720 B.4)', new Uint8Array(32), 0x8a9136aa],
    ['32 0xFF bytes (RFC 3720 B.4)', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['bytes 0..31 ascending (RFC 3720 B.4)', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['bytes 31..0 descending (RFC 3720 B.4)', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
  ])('computes %s', (_name, bytes, expected) => {
    expect(crc32c(bytes)).toBe(expected);
  });

  it('matches the bitwise reference for every length up to 100 and every start alignment', () => {
    const bytes = Uint8Array.from({ length: 120 }, (_, i) => (i * 131 + 17) & 0xff);
    for (let start = 0; start < 8; start++) {
      for (let length = 0; length <= 100; length++) {
        expect(crc32c(bytes, start, start + length)).toBe(reference(bytes.subarray(start, start + length)));
      }
    }
  });

  it('continues a running checksum from a seed', () => {
    const bytes = Buffer.from('the quick brown fox jumps over the lazy dog');
    expect(crc32c(bytes, 13, bytes.length, crc32c(bytes, 0, 13))).toBe(crc32c(bytes));
  });
});
