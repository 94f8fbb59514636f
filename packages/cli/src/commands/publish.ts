import type { ApiClient } from '../api-client.js';

export interface PublishOptions {
  namespace: string;
  topic: string;
  key?: string;
  headers: Record<string, string>;
  /** Text is sent as a string (stored as UTF-8); bytes as base64 (stored as they are). */
  value: string | Uint8Array;
  /** Copies of the record to publish (demos, load). */
  count: number;
}

export interface Published {
  partition: number;
  offset: number;
}

/** What one request may carry: the API's 1 000 records, and well under its 1 MiB body. */
const MAX_RECORDS_PER_REQUEST = 1000;
const MAX_BODY_BYTES = 768 * 1024;

/** `tide publish`: sends the record (count times, in as few requests as the API allows) and returns where each went. */
export async function publish(api: ApiClient, options: PublishOptions): Promise<Published[]> {
  const record = {
    ...(options.key !== undefined && { key: options.key }),
    ...(typeof options.value === 'string' ? { value: options.value } : { value: Buffer.from(options.value).toString('base64'), encoding: 'base64' }),
    ...(Object.keys(options.headers).length > 0 && { headers: options.headers }),
  };
  const perRequest = Math.max(1, Math.min(MAX_RECORDS_PER_REQUEST, Math.floor(MAX_BODY_BYTES / (JSON.stringify(record).length + 1))));
  const path = `/apis/tide.dev/v1/namespaces/${encodeURIComponent(options.namespace)}/topics/${encodeURIComponent(options.topic)}/records`;
  const published: Published[] = [];
  for (let sent = 0; sent < options.count; sent += perRequest) {
    const records = Array.from({ length: Math.min(perRequest, options.count - sent) }, () => record);
    const answer = await api.ok<{ records: Published[] }>('POST', path, { data: JSON.stringify({ records }), contentType: 'application/json' });
    published.push(...answer.records);
  }
  return published;
}

/** One line per record, or for many a line per partition with the offsets it took. */
export function describePublished(topic: string, published: readonly Published[]): string[] {
  if (published.length === 1) return [`published to ${topic} partition ${published[0]!.partition} offset ${published[0]!.offset}`];
  const byPartition = new Map<number, number[]>();
  for (const { partition, offset } of published) byPartition.set(partition, [...(byPartition.get(partition) ?? []), offset]);
  return [
    `published ${published.length} records to ${topic}`,
    ...[...byPartition]
      .sort(([a], [b]) => a - b)
      .map(([partition, offsets]) => `  partition ${partition} offsets ${Math.min(...offsets)}..${Math.max(...offsets)} (${offsets.length})`),
  ];
}
