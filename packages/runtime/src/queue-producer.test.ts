import { describe, expect, it } from 'vitest';
import type { CallTrace } from './call-trace.js';
import { withCallTrace } from './call-trace.js';
import { createQueueProducer, type QueueSend } from './queue-producer.js';
import type { QueueOutgoing } from './queue-protocol.js';

/** A producer that records what it would publish. */
function recorded() {
  const sent: { messages: QueueOutgoing[]; trace: CallTrace | undefined }[] = [];
  const send: QueueSend = async (messages, trace) => {
    sent.push({ messages, trace });
  };
  return { queue: createQueueProducer('RESERVATIONS', send), sent };
}
const text = (m: QueueOutgoing) => Buffer.from(m.body, 'base64').toString('utf8');

describe('a Workers Queues producer binding (env.RESERVATIONS)', () => {
  it('sends JSON by default, as Workers does, and text or bytes when asked', async () => {
    const { queue, sent } = recorded();
    await queue.send({ person: 'ada', slot: '09:00' });
    await queue.send('plain', { contentType: 'text' });
    await queue.send(new Uint8Array([1, 2, 3]), { contentType: 'bytes' });
    const [json, plain, bytes] = sent.map((s) => s.messages[0]!);
    expect(JSON.parse(text(json!))).toEqual({ person: 'ada', slot: '09:00' });
    expect(json!.contentType).toBe('application/json');
    expect([text(plain!), plain!.contentType]).toEqual(['plain', 'text/plain; charset=utf-8']);
    expect([...Buffer.from(bytes!.body, 'base64')]).toEqual([1, 2, 3]);
    expect(bytes!.contentType).toBe('application/octet-stream');
  });

  it('carries the key (Tide extension for per-key order) and a delay', async () => {
    const { queue, sent } = recorded();
    await queue.send({ n: 1 }, { key: 'ada', delaySeconds: 5 });
    expect(sent[0]!.messages[0]).toMatchObject({ key: 'ada', delaySeconds: 5 });
  });

  it('sends a batch as one publication, the batch delay applying where a message sets none', async () => {
    const { queue, sent } = recorded();
    await queue.sendBatch(
      [
        { body: { n: 1 }, key: 'a' },
        { body: 'two', contentType: 'text', delaySeconds: 2 },
      ],
      { delaySeconds: 1 },
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]!.messages.map((m) => [text(m), m.key, m.delaySeconds])).toEqual([
      ['{"n":1}', 'a', 1],
      ['two', undefined, 2],
    ]);
  });

  it('carries the trace context of the call being served', async () => {
    const { queue, sent } = recorded();
    const traceparent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    await withCallTrace({ trace: { traceparent, tracestate: 'k=v' } }, () => queue.send(1));
    await queue.send(2);
    expect(sent.map((s) => s.trace)).toEqual([{ traceparent, tracestate: 'k=v' }, undefined]);
  });

  it('refuses what it cannot send, naming the binding and the problem', async () => {
    const { queue, sent } = recorded();
    await expect(queue.send(undefined)).rejects.toThrow(/RESERVATIONS\.send: the body cannot be serialized as JSON/);
    await expect(queue.send(1, { contentType: 'text' })).rejects.toThrow(/a text body must be a string/);
    await expect(queue.send({}, { contentType: 'v8' })).rejects.toThrow(/"v8" is not supported/);
    await expect(queue.send('x'.repeat(129 * 1024), { contentType: 'text' })).rejects.toThrow(/more than 131072 \(128 KB\)/);
    await expect(queue.send(1, { key: '' })).rejects.toThrow(/key must be a non-empty string/);
    await expect(queue.send(1, { delaySeconds: -1 })).rejects.toThrow(/delaySeconds must be a whole number/);
    await expect(queue.sendBatch([])).rejects.toThrow(/at least one message/);
    await expect(queue.sendBatch(Array.from({ length: 101 }, () => ({ body: 1 })))).rejects.toThrow(/101 messages/);
    await expect(queue.sendBatch([{ body: 1 }, { body: 2, contentType: 'text' }])).rejects.toThrow(/sendBatch message 1: a text body/);
    expect(sent).toEqual([]);
  });
});
