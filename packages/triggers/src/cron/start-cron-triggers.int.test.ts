import { afterEach, describe, expect, it } from 'vitest';
import { triggerManifest } from '@tide/core/testing';
import { eventually } from '@tide/testkit/testing';
import { answer, cronHarness, KEY, ok, T0, type CronHarness } from './cron-harness.fixture.js';

let h: CronHarness;
afterEach(async () => {
  await h.close();
});

const armedAt = (at: number) => eventually(() => expect(h.clock.pendingTimers()).toContain(at), { timeoutMs: 10_000, intervalMs: 5 });
const until = (check: () => void) => eventually(check, { timeoutMs: 10_000, intervalMs: 5 });

describe('the cron engine', () => {
  it('appends CronFired before it calls the scheduled handler with {cron, scheduledTime}', async () => {
    h = await cronHarness({ cron: { schedule: '* * * * * *' } });
    const seenAtCall: (number | undefined)[] = [];
    h.dispatcher.answer = async () => {
      seenAtCall.push(h.store.state().triggers.get(KEY)?.status.lastTick);
      return ok();
    };
    await h.start();
    await armedAt(T0 + 1000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(1));
    const [call] = h.dispatcher.calls;
    expect(call).toMatchObject({ namespace: 'ns', function: 'fn', kind: 'scheduled' });
    expect(JSON.parse(String(call!.body))).toEqual({ cron: '* * * * * *', scheduledTime: T0 + 1000 });
    expect(seenAtCall).toEqual([T0 + 1000]);
    expect(h.cronEvents()).toEqual([{ type: 'CronFired', data: { namespace: 'ns', name: 'tick', tick: T0 + 1000, late: false } }]);
    expect(await h.metric('tide_cron_fired_total')).toBe(1);
    expect(await h.metric('tide_cron_fire_delay_seconds')).toBe(1);
  });

  it('calls each tick once when two processes run it over one log: the loser of the append does not call, and counts it', async () => {
    h = await cronHarness({ cron: { schedule: '* * * * * *' } });
    await h.start();
    await h.start(await h.openStore());
    for (let i = 1; i <= 5; i++) {
      await until(() => expect(h.clock.pendingTimers().filter((t) => t === T0 + i * 1000)).toHaveLength(2));
      h.clock.advance(1000);
      await until(() => expect(h.dispatcher.calls).toHaveLength(i));
    }
    await armedAt(T0 + 6000);
    await until(async () => expect(await h.metric('tide_cron_fire_conflicts_total')).toBe(5));
    expect(h.dispatcher.ticks()).toEqual([1, 2, 3, 4, 5].map((i) => T0 + i * 1000));
    expect(h.store.state().triggers.get(KEY)?.status).toMatchObject({ fired: 5, lastTick: T0 + 5000 });
  });

  it('after a restart goes on from the log: ticks missed beyond startingDeadlineSeconds are skipped, later ones fire late', async () => {
    h = await cronHarness({ cron: { schedule: '* * * * * *', startingDeadlineSeconds: 3 } });
    const first = await h.start();
    await armedAt(T0 + 1000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(1));
    await first.stop();
    // Down for 10 s: at 11 s, ticks 2..7 are more than 3 s old; 8..11 fire (8 and 9 more than 1 s late).
    h.clock.advance(10_000);
    await h.start(await h.openStore());
    await until(() => expect(h.dispatcher.calls).toHaveLength(5));
    expect(h.dispatcher.ticks()).toEqual([1, 8, 9, 10, 11].map((i) => T0 + i * 1000));
    expect(h.cronEvents().slice(1)).toEqual([
      { type: 'CronSkipped', data: { namespace: 'ns', name: 'tick', lastTick: T0 + 7000, count: 6, reason: 'missed by more than 3s' } },
      ...[8, 9, 10, 11].map((i) => ({ type: 'CronFired', data: { namespace: 'ns', name: 'tick', tick: T0 + i * 1000, late: i < 10 } })),
    ]);
    expect(await h.metric('tide_cron_skipped_total', { cause: 'missed-deadline' })).toBe(6);
    expect(await h.metric('tide_cron_fired_total', { late: 'true' })).toBe(2);
  });

  it('does not make up the ticks slept through while suspended: they are recorded as skipped on resume', async () => {
    h = await cronHarness({ cron: { schedule: '* * * * * *' } });
    await h.start();
    await armedAt(T0 + 1000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(1));
    const apply = (suspend: boolean) =>
      h.store.append([
        {
          type: 'TriggerApplied',
          data: { namespace: 'ns', manifest: triggerManifest('tick', { function: 'fn', cron: { schedule: '* * * * * *', suspend } }) },
        },
      ]);
    await apply(true);
    h.clock.advance(5000);
    expect(h.dispatcher.calls).toHaveLength(1);
    await apply(false);
    await armedAt(T0 + 7000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(2));
    expect(h.dispatcher.ticks()).toEqual([T0 + 1000, T0 + 7000]);
    expect(h.cronEvents().slice(1, 2)).toEqual([
      { type: 'CronSkipped', data: { namespace: 'ns', name: 'tick', lastTick: T0 + 6000, count: 5, reason: 'the trigger was suspended' } },
    ]);
  });

  it('delivery auto: a module without a scheduled handler gets a CloudEvent at fetch', async () => {
    h = await cronHarness({ cron: { schedule: '* * * * * *', timeZone: 'Europe/Paris' } });
    h.dispatcher.answer = async (d) => (d.kind === 'scheduled' ? answer(501, 'function has no scheduled handler', true) : ok(''));
    await h.start();
    await armedAt(T0 + 1000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(2));
    const event = h.dispatcher.calls[1]!;
    expect(event).toMatchObject({ kind: 'http', method: 'POST', path: '/' });
    expect(event.headers).toMatchObject({
      'ce-specversion': '1.0',
      'ce-type': 'dev.tide.cron.tick',
      'ce-source': '/tide/namespaces/ns/triggers/tick',
      'ce-time': new Date(T0 + 1000).toISOString(),
      'content-type': 'application/json',
    });
    expect(JSON.parse(String(event.body))).toEqual({
      schedule: '* * * * * *',
      timeZone: 'Europe/Paris',
      tick: new Date(T0 + 1000).toISOString(),
      scheduledTime: T0 + 1000,
    });
    expect(await h.metric('tide_cron_failures_total')).toBe(0);
  });

  it.each([
    ['cloudevent', ['http']],
    ['handler', ['scheduled']],
  ] as const)('delivery %s calls only that shape', async (delivery, kinds) => {
    h = await cronHarness({ cron: { schedule: '* * * * * *' }, delivery });
    h.dispatcher.answer = async (d) => (d.kind === 'scheduled' ? answer(501, 'function has no scheduled handler', true) : ok(''));
    await h.start();
    await armedAt(T0 + 1000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(1));
    await armedAt(T0 + 2000);
    expect(h.dispatcher.calls.map((c) => c.kind)).toEqual(kinds);
    expect(await h.metric('tide_cron_failures_total')).toBe(delivery === 'handler' ? 1 : 0);
  });

  it('retries a 5xx or a call without answer twice, 1 s then 2 s later, unless the answer says noRetry', async () => {
    h = await cronHarness({ cron: { schedule: '0 * * * * *' } });
    const answers = [
      () => answer(500),
      () => Promise.reject(new Error('connection refused')),
      () => ok(),
      () => answer(500, '{"outcome":"ok","noRetry":true}'),
    ];
    h.dispatcher.answer = async () => (answers.shift() ?? (() => answer(503)))();
    await h.start();
    await armedAt(T0 + 40_000);
    h.clock.advance(40_000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(1));
    await armedAt(T0 + 41_000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(2));
    await armedAt(T0 + 43_000);
    h.clock.advance(2000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(3));
    expect(await h.metric('tide_cron_failures_total')).toBe(0);
    // The next minute: 500 with noRetry, not called again.
    await armedAt(T0 + 100_000);
    h.clock.advance(57_000);
    await until(async () => expect(await h.metric('tide_cron_failures_total')).toBe(1));
    h.clock.advance(10_000);
    expect(h.dispatcher.calls).toHaveLength(4);
    expect(h.reports.at(-1)).toMatch(/failed after 1 attempt\(s\): answered 500/);
  });

  it('fires the tick of a missing function and fails it, as a CronJob whose image is missing', async () => {
    h = await cronHarness({ cron: { schedule: '* * * * * *' }, function: 'ghost' });
    await h.start();
    await armedAt(T0 + 1000);
    h.clock.advance(1000);
    await until(async () => expect(await h.metric('tide_cron_failures_total', { cause: 'function-not-found' })).toBe(1));
    expect(h.dispatcher.calls).toEqual([]);
    expect(h.store.state().triggers.get(KEY)?.status).toMatchObject({ fired: 1, lastTick: T0 + 1000 });
    expect(h.reports.at(-1)).toMatch(/function ns\/ghost not found/);
  });

  it('Forbid: a tick due while the previous run goes on is recorded as skipped', async () => {
    h = await cronHarness({ cron: { schedule: '* * * * * *', concurrencyPolicy: 'Forbid' } });
    let release!: () => void;
    h.dispatcher.answer = () => new Promise((resolve) => (release = () => resolve(ok())));
    await h.start();
    await armedAt(T0 + 1000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(1));
    await armedAt(T0 + 2000);
    h.clock.advance(1000);
    await until(() => expect(h.store.state().triggers.get(KEY)?.status.skipped).toBe(1));
    expect(h.cronEvents().at(-1)).toMatchObject({
      type: 'CronSkipped',
      data: { lastTick: T0 + 2000, count: 1, reason: `Forbid: the run of ${new Date(T0 + 1000).toISOString()} is still running` },
    });
    release();
    await new Promise((r) => setImmediate(r)); // the answer reaches the engine: the run is over
    await armedAt(T0 + 3000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(2));
    expect(h.dispatcher.ticks()).toEqual([T0 + 1000, T0 + 3000]);
    release();
  });

  it('Replace: the running call is aborted and the new tick fires', async () => {
    h = await cronHarness({ cron: { schedule: '* * * * * *', concurrencyPolicy: 'Replace' } });
    // The first call runs until aborted; the second answers.
    h.dispatcher.answer = async (d) =>
      h.dispatcher.calls.length > 1 ? ok() : new Promise((_, reject) => d.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    await h.start();
    await armedAt(T0 + 1000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(1));
    await armedAt(T0 + 2000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(2));
    expect(h.dispatcher.calls[0]!.signal?.aborted).toBe(true);
    expect(h.dispatcher.calls[1]!.signal?.aborted).toBe(false);
    expect(h.dispatcher.ticks()).toEqual([T0 + 1000, T0 + 2000]);
    await until(async () => expect(await h.metric('tide_cron_failures_total')).toBe(1));
    expect(h.reports.at(-1)).toMatch(/aborted: Replace: tick .* replaces the run of/);
  });

  it('stops gracefully: the call in flight finishes, no tick fires after stop', async () => {
    h = await cronHarness({ cron: { schedule: '* * * * * *' } });
    let release!: () => void;
    h.dispatcher.answer = () => new Promise((resolve) => (release = () => resolve(ok())));
    const engine = await h.start();
    await armedAt(T0 + 1000);
    h.clock.advance(1000);
    await until(() => expect(h.dispatcher.calls).toHaveLength(1));
    let stopped = false;
    const stopping = engine.stop().then(() => (stopped = true));
    h.clock.advance(5000);
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(h.dispatcher.calls).toHaveLength(1);
    expect(h.store.state().triggers.get(KEY)?.status.fired).toBe(1);
  });
});
