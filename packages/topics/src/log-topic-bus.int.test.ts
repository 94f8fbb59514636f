import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedLog } from '@tide/log';
import { createMemoryLog } from '@tide/log/testing';
import { createFakeClock, waitFor } from '@tide/testkit/testing';
import { describe, expect, it } from 'vitest';
import { openLogTopicBus } from './index.js';
import { recordingHandler, topicBusContract } from './testing.js';

topicBusContract('memory log', async () => {
  const log = createMemoryLog();
  return { bus: openLogTopicBus(log), cleanup: () => log.close() };
});

topicBusContract('embedded log', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tide-bus-'));
  const log = await openEmbeddedLog(dir);
  return {
    bus: openLogTopicBus(log),
    cleanup: async () => {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('log topic bus', () => {
  it('lets one member of a group hold the partitions: a second waits, and is assigned once the first was revoked', async () => {
    const bus = openLogTopicBus(createMemoryLog());
    const a = recordingHandler('a');
    const b = recordingHandler('b');
    const sa = await bus.subscribe({ group: 'g', topics: ['t'], startFrom: 'earliest', handler: a });
    await waitFor(() => a.holding.size === 4, { what: 'a assigned' });
    const sb = await bus.subscribe({ group: 'g', topics: ['t'], startFrom: 'earliest', handler: b });
    await bus.publish('t', [{ key: 'k', value: 'x' }]);
    await waitFor(() => a.received.length === 1, { what: 'a to read the record' });
    expect(b.holding.size).toBe(0);
    expect(b.received).toEqual([]);
    expect(await sb.commit({ topic: 't', partition: 0 }, 1)).toBe(false);
    await sa.stop();
    await waitFor(() => b.holding.size === 4, { what: 'b assigned' });
    expect([...a.events, ...b.events]).toEqual(['a assigned 4', 'a revoked 4', 'b assigned 4']);
    expect(b.received.length).toBe(1); // nothing committed: the group starts again at earliest
    await bus.close();
  });

  it('lets a member still waiting for its turn stop, and the one after it get the turn', async () => {
    const bus = openLogTopicBus(createMemoryLog());
    const [a, b, c] = [recordingHandler('a'), recordingHandler('b'), recordingHandler('c')];
    const sa = await bus.subscribe({ group: 'g', topics: ['t'], startFrom: 'earliest', handler: a });
    const sb = await bus.subscribe({ group: 'g', topics: ['t'], startFrom: 'earliest', handler: b });
    await bus.subscribe({ group: 'g', topics: ['t'], startFrom: 'earliest', handler: c });
    await waitFor(() => a.holding.size === 4, { what: 'a assigned' });
    await sb.stop();
    await sa.stop();
    await waitFor(() => c.holding.size === 4, { what: 'c assigned' });
    expect(b.events).toEqual([]);
    await bus.close();
  });

  it('offers a batch the handler rejected again, in order, after the retry wait', async () => {
    const clock = createFakeClock();
    const errors: Error[] = [];
    const bus = openLogTopicBus(createMemoryLog(), { clock, retryMs: 500, onError: (e) => errors.push(e) });
    await bus.publish('t', [
      { key: 'k', value: 'a' },
      { key: 'k', value: 'b' },
    ]);
    const seen: string[] = [];
    let failures = 1;
    await bus.subscribe({
      group: 'g',
      topics: ['t'],
      startFrom: 'earliest',
      handler: {
        assigned() {},
        async revoked() {},
        async records(batch) {
          if (failures-- > 0) throw new Error('handler is not ready');
          seen.push(...batch.map((r) => new TextDecoder().decode(r.value)));
        },
      },
    });
    await waitFor(() => errors.length === 1, { what: 'the rejected batch to be reported' });
    expect(errors[0]!.message).toMatch(/bus\.t\.\d offsets 0\.\.\d to the handler: handler is not ready/);
    expect(seen).toEqual([]);
    clock.advance(500);
    await waitFor(() => seen.length === 2, { what: 'the batch offered again' });
    expect(seen).toEqual(['a', 'b']);
    await bus.close();
  });

  it('starts a latest member at the end it had when subscribing, even when its turn comes later', async () => {
    const bus = openLogTopicBus(createMemoryLog());
    await bus.publish('t', [{ key: 'k', value: 'before' }]);
    const a = recordingHandler('a');
    const sa = await bus.subscribe({ group: 'g', topics: ['t'], startFrom: 'earliest', handler: a });
    await waitFor(() => a.received.length === 1, { what: 'a to read the first record' });
    const b = recordingHandler('b');
    await bus.subscribe({ group: 'g', topics: ['t'], startFrom: 'latest', handler: b });
    await bus.publish('t', [{ key: 'k', value: 'while b waited' }]);
    await sa.stop();
    await waitFor(() => b.received.length === 1, { what: 'b to read what was published while it waited' });
    expect(b.texts()).toEqual(['while b waited']);
    await bus.close();
  });

  it('lets a records call in flight finish before stop revokes, and makes no call after', async () => {
    const bus = openLogTopicBus(createMemoryLog());
    const events: string[] = [];
    let release: (() => void) | undefined;
    const s = await bus.subscribe({
      group: 'g',
      topics: ['t'],
      startFrom: 'earliest',
      handler: {
        assigned: () => events.push('assigned'),
        revoked: async () => void events.push('revoked'),
        async records(batch) {
          events.push(`records ${batch.length}`);
          await new Promise<void>((r) => (release = r));
          events.push('records done');
        },
      },
    });
    await bus.publish('t', [{ key: 'k', value: 'x' }]);
    await waitFor(() => release, { what: 'the records call' });
    const stopping = s.stop();
    await bus.publish('t', [{ key: 'k', value: 'after stop' }]);
    release!();
    await stopping;
    expect(events).toEqual(['assigned', 'records 1', 'records done', 'revoked']);
    await bus.close();
  });

  it('refuses a topic name the log cannot hold, naming it', async () => {
    const bus = openLogTopicBus(createMemoryLog());
    await expect(bus.publish('a/b', [{ value: 'x' }])).rejects.toThrow(/"a\/b"/);
  });
});
