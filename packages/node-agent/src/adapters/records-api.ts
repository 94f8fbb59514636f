import type { QueueRecord } from '../core/queue-send.js';
import type { QueuePublisher } from '../queue-sender.js';

/** A records API that does not answer in this long has failed the send (the function sees the error). */
const PUBLISH_TIMEOUT_MS = 30_000;

/**
 * Publishes through a control plane's records API (`POST .../namespaces/{ns}/topics/{topic}/records`),
 * which appends to the namespace's topic on the platform's bus — the embedded log or Kafka — and
 * answers once the records are durable. A value that is UTF-8 text (JSON, text) travels as it is;
 * other bytes as base64, said by `encoding`.
 */
export function recordsApiPublisher(server: string, token?: string): QueuePublisher {
  const base = server.replace(/\/+$/, '');
  return {
    async publish(namespace, topic, records) {
      const url = `${base}/apis/tide.dev/v1/namespaces/${encodeURIComponent(namespace)}/topics/${encodeURIComponent(topic)}/records`;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify({ records: records.map(toWire) }),
        signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`${url} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
      await response.body?.cancel();
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function toWire(record: QueueRecord) {
  const head = { ...(record.key === undefined ? {} : { key: record.key }), headers: record.headers };
  try {
    return { ...head, value: utf8.decode(record.value) };
  } catch {
    return { ...head, value: Buffer.from(record.value).toString('base64'), encoding: 'base64' };
  }
}
