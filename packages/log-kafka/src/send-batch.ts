/**
 * Group commit for Kafka appends: the appends that queued up while one send was in flight go out
 * together as the next send, in call order. Pure planning, tested without a broker.
 */

export interface QueuedSize {
  records: number;
  bytes: number;
}

export interface SendLimits {
  /** Records per send (default 10 000). */
  maxRecords: number;
  /**
   * Bytes of values and keys per send. Kafka caps one record batch (`max.message.bytes`,
   * 1 MiB by default), and kafkajs puts one partition's messages in one batch.
   */
  maxBytes: number;
}

export const DEFAULT_SEND_LIMITS: SendLimits = { maxRecords: 10_000, maxBytes: 900 * 1024 };

/**
 * How many queued appends (from the front) the next send takes: at least one, so an append
 * larger than the limits still goes out alone (and the broker judges it); then as many as fit.
 */
export function appendsPerSend(queue: readonly QueuedSize[], limits: SendLimits = DEFAULT_SEND_LIMITS): number {
  if (queue.length === 0) return 0;
  let records = queue[0]!.records;
  let bytes = queue[0]!.bytes;
  let count = 1;
  for (const next of queue.slice(1)) {
    if (records + next.records > limits.maxRecords || bytes + next.bytes > limits.maxBytes) break;
    records += next.records;
    bytes += next.bytes;
    count++;
  }
  return count;
}

/** Offsets for each append of a send, given the first offset the broker assigned. */
export function offsetsOf(baseOffset: number, recordCounts: readonly number[]): number[][] {
  let next = baseOffset;
  return recordCounts.map((count) => Array.from({ length: count }, () => next++));
}
