/**
 * Kafka's murmur2 key hash and the partition it picks, as the Java client and kafkajs's
 * DefaultPartitioner compute them (`toPositive(murmur2(key)) % partitions`), so a key lands on
 * the same partition number whether it is published to the embedded log or to Kafka, by Tide or
 * by any other Kafka producer.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** The 32-bit signed murmur2 hash of a key's UTF-8 bytes (Java's `Utils.murmur2`). */
export function murmur2(key: string | Uint8Array): number {
  const data = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last 1-3 bytes, highest first (Java's switch falls through its cases).
  const tail = length - whole;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of a keyed record among `partitions` (Kafka's default partitioner). */
export function partitionOfKey(key: string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
