import { describe, expect, it } from 'vitest';
import type { QueueSendMessage } from '@tide/runtime';
import { decideQueueSend, type QueueCaller } from './queue-send.js';

const caller: QueueCaller = {
  namespace: 'shop',
  functionName: 'gate',
  bindings: [
    { name: 'RESERVATIONS', queue: 'reservations' },
    { name: 'CACHE', kv: 'cache' },
  ],
};
const body = (text: string) => Buffer.from(text).toString('base64');
const traceparent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;

function send(overrides: Partial<QueueSendMessage> = {}): QueueSendMessage {
  return {
    type: 'queue-send',
    id: 1,
    binding: 'RESERVATIONS',
    messages: [{ body: body('{"a":1}'), contentType: 'application/json', key: 'ada' }],
    ...overrides,
  };
}

describe('a pod’s queue send', () => {
  it('becomes records of the bound topic of the function’s namespace, keyed, with content type and trace context', () => {
    const decision = decideQueueSend(send({ traceparent, tracestate: 'k=v' }), caller);
    expect(decision).toEqual({
      type: 'publish',
      namespace: 'shop',
      topic: 'reservations',
      records: [{ key: 'ada', value: Buffer.from('{"a":1}'), headers: { 'content-type': 'application/json', traceparent, tracestate: 'k=v' } }],
    });
  });

  it('sends a message without a key unkeyed, and a call without trace context without trace headers', () => {
    const decision = decideQueueSend(send({ messages: [{ body: body('x'), contentType: 'text/plain; charset=utf-8' }] }), caller);
    expect(decision).toMatchObject({ type: 'publish', records: [{ headers: { 'content-type': 'text/plain; charset=utf-8' } }] });
    expect(decision.type === 'publish' && 'key' in decision.records[0]!).toBe(false);
  });

  it('refuses a binding the function does not have, or one that is a KV namespace, naming it', () => {
    expect(decideQueueSend(send({ binding: 'OTHER' }), caller)).toEqual({
      type: 'refuse',
      error: expect.stringMatching(/function shop\/gate has no queue binding named OTHER/),
    });
    expect(decideQueueSend(send({ binding: 'CACHE' }), caller)).toMatchObject({ type: 'refuse' });
  });

  it('refuses a delayed message rather than delivering it early', () => {
    const delayed = send({ messages: [{ body: body('1'), contentType: 'application/json', delaySeconds: 30 }] });
    expect(decideQueueSend(delayed, caller)).toEqual({ type: 'refuse', error: expect.stringMatching(/delaySeconds \(30\) is not supported/) });
  });
});
