import type { ConsumedRecord } from '@tide/topics';
import { describe, expect, it } from 'vitest';
import { messageAnswers } from './queue-answer.js';
import { cloudEventOf, queueMessageOf } from './record-shapes.js';

const record = (value: string, headers: Record<string, string> = {}, key: string | null = 'k'): ConsumedRecord => ({
  topic: 'default.orders',
  partition: 2,
  offset: 41,
  key,
  value: new TextEncoder().encode(value),
  headers,
  timestamp: Date.UTC(2026, 11, 7, 3, 0, 0),
});

describe('a record as a binary-mode CloudEvent', () => {
  it('carries its coordinates as extensions and its headers as ce- extensions, without overriding the event’s own', () => {
    const { headers, body } = cloudEventOf(
      { namespace: 'shop', trigger: 't', topic: 'orders', external: false },
      record('{}', { 'content-type': 'application/json', 'X-Request-Id': 'r1', id: 'spoof', traceparent: 'tp' }),
    );
    expect(headers).toEqual({
      'ce-specversion': '1.0',
      'ce-id': 'orders/2/41',
      'ce-source': '/tide/namespaces/shop/topics/orders',
      'ce-type': 'dev.tide.kafka.record',
      'ce-time': '2026-12-07T03:00:00.000Z',
      'ce-subject': 'partition:2#41',
      'ce-topic': 'orders',
      'ce-partition': '2',
      'ce-offset': '41',
      'ce-key': 'k',
      'ce-partitionkey': 'k',
      'ce-xrequestid': 'r1',
      'content-type': 'application/json',
    });
    expect(new TextDecoder().decode(body)).toBe('{}');
  });

  it('names the trigger as source for an external topic, and octet-stream without a content type or key', () => {
    const { headers } = cloudEventOf({ namespace: 'shop', trigger: 't', topic: 'raw', external: true }, record('x', {}, null));
    expect(headers['ce-source']).toBe('/tide/namespaces/shop/triggers/t');
    expect(headers['content-type']).toBe('application/octet-stream');
    expect(headers['ce-key']).toBeUndefined();
  });
});

describe('a record as a Workers queue message', () => {
  it.each([
    ['application/json', '{"a":1}', { a: 1 }],
    ['application/cloudevents+json; charset=utf-8', '[1]', [1]],
    ['text/plain', '{"a":1}', '{"a":1}'],
    ['application/json', 'not json', 'not json'],
  ])('with content type %s, body %s reads as %j', (type, value, body) => {
    expect(queueMessageOf(record(value, { 'Content-Type': type }), 'orders', 2)).toEqual({
      id: 'orders/2/41',
      timestamp: Date.UTC(2026, 11, 7, 3, 0, 0),
      body,
      attempts: 3,
    });
  });
});

describe('what a queue answer says of each message', () => {
  const answer = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  it('takes acked and retried (with delay) from the runtime’s answer', () => {
    const a = messageAnswers(['m1', 'm2', 'm3'], 500, answer({ outcome: 'exception', acked: ['m1'], retried: [{ id: 'm2', delaySeconds: 5 }, { id: 'm3' }] }));
    expect(Object.fromEntries(a)).toEqual({ m1: { answer: 'success' }, m2: { answer: 'retryable', delayMs: 5000 }, m3: { answer: 'retryable' } });
  });
  it('applies a status without the runtime’s body to the whole batch', () => {
    expect([...messageAnswers(['m1'], 503, answer('busy')).values()]).toEqual([{ answer: 'retryable' }]);
    expect([...messageAnswers(['m1'], 400, new Uint8Array()).values()]).toEqual([{ answer: 'poison' }]);
    expect([...messageAnswers(['m1'], undefined, undefined).values()]).toEqual([{ answer: 'retryable' }]);
  });
});
