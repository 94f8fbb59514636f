import { describe, expect, it } from 'vitest';
import { createMessageBatch, createScheduledController, parseQueueEvent, parseScheduledEvent } from './function-events.js';

const event = {
  queue: 'orders',
  messages: ['a', 'b', 'c'].map((id, i) => ({ id, timestamp: 1_700_000_000_000 + i, body: { n: i }, attempts: 1 })),
};

describe('createMessageBatch', () => {
  it('gives each message its id, body, attempts and timestamp as a Date', () => {
    const { batch } = createMessageBatch(event);
    expect(batch.queue).toBe('orders');
    expect(batch.messages.map((m) => [m.id, m.body, m.attempts, m.timestamp.getTime()])).toEqual([
      ['a', { n: 0 }, 1, 1_700_000_000_000],
      ['b', { n: 1 }, 1, 1_700_000_000_001],
      ['c', { n: 2 }, 1, 1_700_000_000_002],
    ]);
  });

  it('acks every message not retried when the handler returned', () => {
    const { batch, outcome } = createMessageBatch(event);
    batch.messages[1]?.retry({ delaySeconds: 30 });
    expect(outcome(true)).toEqual({ acked: ['a', 'c'], retried: [{ id: 'b', delaySeconds: 30 }] });
  });

  it('retries every message not acked when the handler threw', () => {
    const { batch, outcome } = createMessageBatch(event);
    batch.messages[0]?.ack();
    expect(outcome(false)).toEqual({ acked: ['a'], retried: [{ id: 'b' }, { id: 'c' }] });
  });

  it("keeps each message's first decision: a later ackAll or retryAll does not change it", () => {
    const { batch, outcome } = createMessageBatch(event);
    batch.messages[0]?.retry();
    batch.ackAll();
    batch.retryAll();
    expect(outcome(true)).toEqual({ acked: ['b', 'c'], retried: [{ id: 'a' }] });
  });

  it('retries the whole batch after retryAll', () => {
    const { batch, outcome } = createMessageBatch(event);
    batch.retryAll({ delaySeconds: 5 });
    expect(outcome(true).retried).toEqual(['a', 'b', 'c'].map((id) => ({ id, delaySeconds: 5 })));
  });
});

describe('createScheduledController', () => {
  it('carries the cron and tick, and remembers noRetry()', () => {
    const { controller, noRetry } = createScheduledController({ cron: '*/5 * * * *', scheduledTime: 1_700_000_000_000 });
    expect(controller).toMatchObject({ type: 'scheduled', cron: '*/5 * * * *', scheduledTime: 1_700_000_000_000 });
    expect(noRetry()).toBe(false);
    controller.noRetry();
    expect(noRetry()).toBe(true);
  });
});

describe('parsing event bodies', () => {
  it.each([
    [() => parseScheduledEvent({ cron: 5, scheduledTime: 1 }), 'cron must be a string'],
    [() => parseScheduledEvent([]), 'body must be a JSON object'],
    [() => parseQueueEvent({ queue: 'q' }), 'messages must be an array'],
    [() => parseQueueEvent({ queue: 'q', messages: [{ id: 'a', timestamp: 'now', attempts: 1 }] }), 'messages[0].timestamp must be a number'],
  ])('names the field at fault (%#)', (parse, message) => {
    expect(parse).toThrow(message);
  });
});
