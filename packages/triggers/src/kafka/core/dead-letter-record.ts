/**
 * The record a dead letter becomes: the original value, key and headers, plus why and where from,
 * so it can be inspected and replayed by hand (as Kafka Connect's `__connect.errors.*` headers).
 */
import type { ConsumedRecord, PublishRecord } from '@tide/topics';

export interface DeadLetterCause {
  error: string;
  /** The topic as the user named it. */
  topic: string;
  /** Attempts made, the last included. */
  attempts: number;
}

export function deadLetterRecord(record: ConsumedRecord, cause: DeadLetterCause): PublishRecord {
  return {
    ...(record.key === null ? {} : { key: record.key }),
    value: record.value,
    headers: {
      ...record.headers,
      'tide-dlq-error': cause.error.slice(0, 1000),
      'tide-dlq-topic': cause.topic,
      'tide-dlq-partition': String(record.partition),
      'tide-dlq-offset': String(record.offset),
      'tide-dlq-attempts': String(cause.attempts),
    },
  };
}
