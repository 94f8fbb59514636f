import { afterEach, describe, expect, it, vi } from 'vitest';
import events from './index.js';

afterEach(() => vi.restoreAllMocks());

describe('the events function', () => {
  it('prints a CloudEvent and answers how much it received', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const request = new Request('http://x/', {
      method: 'POST',
      headers: { 'ce-type': 'dev.tide.kafka.record', 'ce-source': '/tide/namespaces/default/topics/orders', 'ce-id': 'orders-0-7' },
      body: '{"item":"book"}',
    });
    const response = await events.fetch(request);
    expect(await response.json()).toEqual({ received: 15 });
    expect(log).toHaveBeenCalledWith('cloudevent dev.tide.kafka.record from /tide/namespaces/default/topics/orders id orders-0-7: {"item":"book"}');
  });

  it('prints and acks every message of a queue batch', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const acked: string[] = [];
    const message = (id: string, body: unknown) => ({ id, body, attempts: 1, ack: () => acked.push(id) });
    await events.queue({ queue: 'orders', messages: [message('a', { item: 'book' }), message('b', 'pen')] });
    expect(acked).toEqual(['a', 'b']);
    expect(log).toHaveBeenCalledWith('queue orders message a (attempt 1): {"item":"book"}');
  });

  it('prints a cron tick', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await events.scheduled({ cron: '*/10 * * * * *', scheduledTime: Date.UTC(2026, 0, 1) });
    expect(log).toHaveBeenCalledWith('cron "*/10 * * * * *" tick 2026-01-01T00:00:00.000Z');
  });
});
