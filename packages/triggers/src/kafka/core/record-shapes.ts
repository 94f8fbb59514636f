/**
 * The two shapes a record reaches a function in, built from the record alone (pure):
 * a CloudEvent in HTTP binary mode (spec 1.0) for `fetch`, and a Workers Queues message for `queue`.
 */
import type { ConsumedRecord } from '@tide/topics';

/** Where a trigger's records come from, as the function is told. */
export interface RecordSource {
  namespace: string;
  trigger: string;
  /** The topic as the user named it (not the physical `<ns>.<topic>`). */
  topic: string;
  /** True when the topic is on an external cluster (it is no topic of the namespace then). */
  external: boolean;
}

/** A record's coordinates as one id: a queue message's id, a CloudEvent's id, a journal key's tail. */
export function recordId(topic: string, partition: number, offset: number): string {
  return `${topic}/${partition}/${offset}`;
}

export function headerOf(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

const TRACE_HEADERS = new Set(['traceparent', 'tracestate']);
/** Attributes set here: a record header of the same name must not overwrite them. */
const CE_OWN = new Set(['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'partitionkey', 'key', 'partition', 'offset', 'topic']);

/** Binary-mode CloudEvent headers and body of one record (record headers become `ce-` extensions). */
export function cloudEventOf(source: RecordSource, record: ConsumedRecord): { headers: Record<string, string>; body: Uint8Array } {
  const base = `/tide/namespaces/${source.namespace}`;
  const headers: Record<string, string> = {
    'ce-specversion': '1.0',
    'ce-id': recordId(source.topic, record.partition, record.offset),
    'ce-source': source.external ? `${base}/triggers/${source.trigger}` : `${base}/topics/${source.topic}`,
    'ce-type': 'dev.tide.kafka.record',
    'ce-time': new Date(record.timestamp).toISOString(),
    'ce-subject': `partition:${record.partition}#${record.offset}`,
    'ce-topic': source.topic,
    'ce-partition': String(record.partition),
    'ce-offset': String(record.offset),
    'content-type': headerOf(record.headers, 'content-type') ?? 'application/octet-stream',
  };
  if (record.key !== null) {
    headers['ce-partitionkey'] = record.key;
    headers['ce-key'] = record.key;
  }
  for (const [name, value] of Object.entries(record.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-type' || TRACE_HEADERS.has(lower)) continue;
    const ext = lower.replace(/[^a-z0-9]/g, '');
    if (ext === '' || CE_OWN.has(ext)) continue;
    headers[`ce-${ext}`] = value;
  }
  return { headers, body: record.value };
}

export interface QueueMessageBody {
  id: string;
  timestamp: number;
  body: unknown;
  attempts: number;
}

/** A Workers Queues message: body JSON-parsed when the record says it is JSON, else its UTF-8 text. */
export function queueMessageOf(record: ConsumedRecord, topic: string, failedBefore: number): QueueMessageBody {
  const text = new TextDecoder().decode(record.value);
  const type = headerOf(record.headers, 'content-type') ?? '';
  let body: unknown = text;
  if (/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type.trim())) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { id: recordId(topic, record.partition, record.offset), timestamp: record.timestamp, body, attempts: failedBefore + 1 };
}
