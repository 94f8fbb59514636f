import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore } from '@tide/core';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import type { ProcessState } from '@tide/process';
import { startMetrics } from '@tide/telemetry';
import { eventually } from '@tide/testkit/testing';
import type { TopicBus } from '@tide/topics';
import type { EngineDeps } from './engine.js';
import type { TriggerEngine } from './engines.js';
import { startTriggers, type RunningTriggers } from './start-triggers.js';

const running: RunningTriggers[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
});

/** A bus that is never used: the fake engines only need to be given one. */
function fakeBus(closed: string[], name: string): TopicBus {
  return {
    publish: async () => [],
    describe: async () => [],
    subscribe: async () => ({ commit: async () => true, committed: async () => undefined, stop: async () => {} }),
    close: async () => void closed.push(name),
  };
}

/** An engine that records, per process, when it runs. */
function recordingEngine(name: string, leaderOnly: boolean, runs: Map<string, number>, events: string[]): TriggerEngine {
  return {
    name,
    leaderOnly,
    async start(deps: EngineDeps) {
      const key = `${name}@${deps.identity}`;
      runs.set(key, (runs.get(key) ?? 0) + 1);
      events.push(`start ${name}`);
      return {
        async stop() {
          runs.set(key, runs.get(key)! - 1);
          events.push(`stop ${name}`);
        },
      };
    },
  };
}

/** One triggers process: its own fold of the shared log, as a separate process would have. */
async function triggersProcess(log: MemoryLog, engines: TriggerEngine[], closed: string[] = [], events: string[] = [], sharedGroups = true) {
  const store = await openStateStore({ log });
  const state: ProcessState = { source: { kind: 'http', server: 'memory' }, log, store, close: () => store.close() };
  const lines: string[] = [];
  const triggers = await startTriggers({
    log: { shared: state },
    gatewayUrl: 'http://gateway.invalid',
    engines,
    report: (line) => lines.push(line),
    dispatcher: { deliver: async () => ({ status: 200, headers: {}, body: new Uint8Array(), noHandler: false }) },
    buses: {
      platform: async () => ({ bus: fakeBus(closed, 'platform'), sharedGroups }),
      external: async (brokers) => fakeBus(closed, brokers.join(',')),
    },
    leadership: { graceMs: 300, renewMs: 30 },
  });
  running.push(triggers);
  events.push('started');
  return { triggers, lines, store };
}

const runningOn = (runs: Map<string, number>, engine: string) => [...runs].filter(([key, n]) => key.startsWith(`${engine}@`) && n > 0).length;

describe('startTriggers', () => {
  it('runs leader-only engines on one of two processes and everywhere-engines on both, and moves the leader-only ones on fail-over', async () => {
    const log = createMemoryLog();
    const runs = new Map<string, number>();
    const engines = [recordingEngine('kafka', false, runs, []), recordingEngine('cron', true, runs, [])];
    const a = await triggersProcess(log, engines);
    const b = await triggersProcess(log, engines);

    await eventually(() => expect(runningOn(runs, 'cron')).toBe(1), { timeoutMs: 5_000, intervalMs: 10 });
    expect(runningOn(runs, 'kafka')).toBe(2);
    expect(a.triggers.leading()).toBe(true);
    expect(b.triggers.leading()).toBe(false);
    expect(a.lines.join('\n')).toMatch(/leading \(epoch 1\): running cron/);

    // The leader stops (its renewals end, as after kill -9): the other takes cron over after the grace.
    await a.triggers.stop();
    expect(runningOn(runs, 'cron')).toBe(0);
    await eventually(() => expect(b.triggers.leading()).toBe(true), { timeoutMs: 10_000, intervalMs: 10 });
    await eventually(() => expect(runningOn(runs, 'cron')).toBe(1), { timeoutMs: 5_000, intervalMs: 10 });
    expect(runningOn(runs, 'kafka')).toBe(1);
    expect(b.lines.join('\n')).toMatch(/leading \(epoch 2\): running cron/);
  });

  it("runs every engine on the leader only when the bus's consumer groups are not shared (one machine's log)", async () => {
    const log = createMemoryLog();
    const runs = new Map<string, number>();
    const engines = [recordingEngine('kafka', false, runs, []), recordingEngine('cron', true, runs, [])];
    const a = await triggersProcess(log, engines, [], [], false);
    const b = await triggersProcess(log, engines, [], [], false);
    await eventually(() => expect(runningOn(runs, 'kafka')).toBe(1), { timeoutMs: 5_000, intervalMs: 10 });
    expect(runningOn(runs, 'cron')).toBe(1);
    expect(a.lines.join('\n')).toMatch(/leading \(epoch 1\): running kafka, cron/);
    await a.triggers.stop();
    await eventually(() => expect(b.triggers.leading()).toBe(true), { timeoutMs: 10_000, intervalMs: 10 });
    await eventually(() => expect(runningOn(runs, 'kafka')).toBe(1), { timeoutMs: 5_000, intervalMs: 10 });
  });

  it('stops the engines first, then the buses, then the log it shares', async () => {
    const log = createMemoryLog();
    const events: string[] = [];
    const closed: string[] = [];
    const runs = new Map<string, number>();
    let external: Promise<TopicBus> | undefined;
    const opener: TriggerEngine = {
      name: 'opener',
      leaderOnly: false,
      async start(deps) {
        external = deps.openExternalBus(['kafka-b:9092', 'kafka-a:9092']);
        // The same cluster named in another order is the same bus.
        expect(await deps.openExternalBus(['kafka-a:9092', 'kafka-b:9092'])).toBe(await external);
        return { stop: async () => void events.push(`stop opener (buses closed: ${closed.length})`) };
      },
    };
    const { triggers } = await triggersProcess(log, [opener, recordingEngine('cron', true, runs, events)], closed, events);
    await eventually(() => expect(runningOn(runs, 'cron')).toBe(1), { timeoutMs: 5_000, intervalMs: 10 });
    await triggers.stop();
    expect(events.filter((e) => e.startsWith('stop'))).toEqual(['stop cron', 'stop opener (buses closed: 0)']);
    expect(closed).toEqual(['kafka-b:9092,kafka-a:9092', 'platform']);
  });

  it("serves the engines' instruments (deps.meter) at /metrics, under service tide-triggers", async () => {
    const metrics = startMetrics({ serviceName: 'tide-triggers', env: {} });
    try {
      const log = createMemoryLog();
      const store = await openStateStore({ log });
      const state: ProcessState = { source: { kind: 'http', server: 'memory' }, log, store, close: () => store.close() };
      const counting: TriggerEngine = {
        name: 'kafka',
        leaderOnly: false,
        async start(deps) {
          deps.meter.createCounter('tide_trigger_deliveries_total').add(3, { namespace: 'default', trigger: 'orders', outcome: 'success' });
          return { stop: async () => {} };
        },
      };
      const triggers = await startTriggers({
        log: { shared: state },
        gatewayUrl: 'http://gateway.invalid',
        listen: { port: 0, host: '127.0.0.1' },
        metrics,
        engines: [counting],
        report: () => {},
        dispatcher: { deliver: async () => ({ status: 200, headers: {}, body: new Uint8Array(), noHandler: false }) },
        buses: { platform: async () => ({ bus: fakeBus([], 'platform'), sharedGroups: true }), external: async () => fakeBus([], 'external') },
      });
      running.push(triggers);
      const text = await (await fetch(`${triggers.url}/metrics`)).text();
      expect(text).toMatch(/tide_trigger_deliveries_total\{[^}]*trigger="orders"[^}]*\} 3/);
      expect(text).toMatch(/service_name="tide-triggers"/);
    } finally {
      await metrics.shutdown();
    }
  });

  it('serves /healthz, /readyz and /metrics on its own port', async () => {
    const log = createMemoryLog();
    const store = await openStateStore({ log });
    const state: ProcessState = { source: { kind: 'http', server: 'memory' }, log, store, close: () => store.close() };
    const triggers = await startTriggers({
      log: { shared: state },
      gatewayUrl: 'http://gateway.invalid',
      listen: { port: 0, host: '127.0.0.1' },
      metrics: { handle: (_req, res) => res.end('tide_trigger_lag 0\n') },
      engines: [],
      report: () => {},
      dispatcher: { deliver: async () => ({ status: 200, headers: {}, body: new Uint8Array(), noHandler: false }) },
      buses: { platform: async () => ({ bus: fakeBus([], 'platform'), sharedGroups: true }), external: async () => fakeBus([], 'external') },
    });
    running.push(triggers);
    expect(triggers.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${triggers.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${triggers.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${triggers.url}/metrics`)).text()).toContain('tide_trigger_lag');
    expect((await fetch(`${triggers.url}/nope`)).status).toBe(404);
  });

  it('leaves nothing running when it cannot start (its port is taken), and says which port', async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const port = (taken.address() as { port: number }).port;
    try {
      const log = createMemoryLog();
      const store = await openStateStore({ log });
      const state: ProcessState = { source: { kind: 'http', server: 'memory' }, log, store, close: () => store.close() };
      const runs = new Map<string, number>();
      const closed: string[] = [];
      const started = startTriggers({
        log: { shared: state },
        gatewayUrl: 'http://gateway.invalid',
        listen: { port, host: '127.0.0.1' },
        engines: [recordingEngine('kafka', false, runs, [])],
        report: () => {},
        dispatcher: { deliver: async () => ({ status: 200, headers: {}, body: new Uint8Array(), noHandler: false }) },
        buses: { platform: async () => ({ bus: fakeBus(closed, 'platform'), sharedGroups: true }), external: async () => fakeBus(closed, 'external') },
      });
      await expect(started).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
      expect(runs.get([...runs.keys()][0]!)).toBe(0);
      expect(closed).toEqual(['platform']);
      await store.close();
    } finally {
      taken.close();
    }
  });
});
