import type { LogRecord } from './event-log.js';

/**
 * What a log that a tailing reader came back to holds where the last record it read was: undefined
 * while it holds that very record (same time and bytes), or no longer holds it but goes on past it
 * (compaction, retention: removed on purpose); otherwise what it holds now, for LogRewoundError.
 * Every adapter's reader judges its reconnections by this one rule.
 */
export function lostRecord(last: LogRecord, end: number, atOffset: LogRecord | undefined): string | undefined {
  if (end <= last.offset) return `ends at ${end}`;
  if (atOffset === undefined || atOffset.offset !== last.offset) return undefined;
  if (atOffset.timestamp === last.timestamp && Buffer.from(atOffset.value).equals(Buffer.from(last.value))) return undefined;
  return `holds another record at offset ${last.offset}`;
}
