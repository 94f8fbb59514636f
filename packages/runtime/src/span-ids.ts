import { randomFillSync } from 'node:crypto';

// Ids are drawn from a buffer refilled 512 bytes at a time: one randomFillSync per 64 span ids.
const pool = Buffer.alloc(512);
let used = pool.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (used + bytes > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    const hex = pool.toString('hex', used, used + bytes);
    used += bytes;
    if (!/^0+$/.test(hex)) return hex; // all zeros is W3C's invalid id
  }
}

/** A new span id: 8 random bytes, 16 hex digits. */
export function randomSpanId(): string {
  return randomHex(8);
}

/** A new trace id: 16 random bytes, 32 hex digits. */
export function randomTraceId(): string {
  return randomHex(16);
}
