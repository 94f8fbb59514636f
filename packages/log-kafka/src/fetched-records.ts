/**
 * Turns one partition of a kafkajs Fetch response into LogRecords: pure, so the rules a
 * consumer applies (skip what lies before the fetch offset, control records, aborted
 * transactions) are tested without a broker.
 */
import type { LogRecord } from '@tide/log';

/** One message as kafkajs decodes it from a record batch. */
export interface FetchedMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  isControlRecord?: boolean;
  batchContext?: { producerId: string; inTransaction: boolean };
}

/** One partition of a Fetch response, as kafkajs decodes it. */
export interface FetchedPartition {
  partition: number;
  highWatermark: string;
  abortedTransactions?: { producerId: string; firstOffset: string }[];
  messages: FetchedMessage[];
}

export interface FetchedRecords {
  records: LogRecord[];
  /** The offset to fetch next (past skipped control records too). */
  next: number;
  highWatermark: number;
}

const EMPTY = new Uint8Array(0);

export function fetchedRecords(topic: string, fetchOffset: number, data: FetchedPartition): FetchedRecords {
  let next = fetchOffset;
  const records: LogRecord[] = [];
  const aborted = abortedFilter(data.abortedTransactions ?? []);
  for (const message of data.messages) {
    const offset = Number(message.offset);
    // A fetch returns whole record batches, so it can start before the offset asked for.
    if (offset < next) continue;
    next = offset + 1;
    if (!aborted(message, offset) || message.isControlRecord) continue;
    records.push({
      topic,
      offset,
      timestamp: Number(message.timestamp),
      key: message.key === null ? null : message.key.toString('utf8'),
      headers: headersOf(message.headers),
      value: message.value ?? EMPTY,
    });
  }
  return { records, next, highWatermark: Number(data.highWatermark) };
}

function headersOf(headers: FetchedMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    // A header repeated in one record decodes as an array; the port has one value per name.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return out;
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

/**
 * Read-committed filtering (as kafkajs' consumer does): from an aborted transaction's first offset
 * until its producer's abort marker, that producer's transactional records are dropped.
 * Returns a predicate: true = keep.
 */
function abortedFilter(abortedTransactions: { producerId: string; firstOffset: string }[]) {
  const pending = [...abortedTransactions].sort((a, b) => Number(a.firstOffset) - Number(b.firstOffset));
  const abortedProducers = new Set<string>();
  return (message: FetchedMessage, offset: number): boolean => {
    while (pending.length > 0 && offset >= Number(pending[0]!.firstOffset)) abortedProducers.add(pending.shift()!.producerId);
    const context = message.batchContext;
    if (context === undefined) return true;
    if (message.isControlRecord && message.key !== null && ABORT_MARKER_KEY.equals(message.key)) {
      abortedProducers.delete(context.producerId);
      return true;
    }
    return !(context.inTransaction && abortedProducers.has(context.producerId));
  };
}
