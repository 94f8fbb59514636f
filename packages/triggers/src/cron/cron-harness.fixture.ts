import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { decodeEvent, openStateStore, STATE_TOPIC, type EventOf, type StateStore, type TriggerSpec } from '@tide/core';
import { functionManifest, newestRules, triggerManifest } from '@tide/core/testing';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { createFakeClock, type FakeClock } from '@tide/testkit/testing';
import type { z } from 'zod';
import type { Delivery, DeliveryResult, Dispatcher } from '../dispatcher.js';
import type { Engine, EngineDeps } from '../engine.js';
import { startCronTriggers } from './start-cron-triggers.js';

/** What the tests of the cron engine share: a memory log, a store on a fake clock, a fake dispatcher, metrics. */

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export const T0 = 1_700_000_000_000; // 2023-11-14T22:13:20Z, a whole second
export const KEY = 'ns/tick';

/** Answers every call 200 unless a test gives `answer`; keeps every delivery. */
export class FakeDispatcher implements Dispatcher {
  readonly calls: Delivery[] = [];
  answer: (delivery: Delivery) => Promise<DeliveryResult> = async () => ok();
  async deliver(delivery: Delivery): Promise<DeliveryResult> {
    this.calls.push(delivery);
    return this.answer(delivery);
  }
  /** The scheduledTime of each `scheduled` call, in order. */
  ticks(): number[] {
    return this.calls.filter((c) => c.kind === 'scheduled').map((c) => (JSON.parse(String(c.body)) as { scheduledTime: number }).scheduledTime);
  }
}

export function ok(body = '{"outcome":"ok","noRetry":false}'): DeliveryResult {
  return { status: 200, headers: {}, body: new TextEncoder().encode(body), noHandler: false };
}
export function answer(status: number, body = '', noHandler = false): DeliveryResult {
  return { status, headers: {}, body: new TextEncoder().encode(body), noHandler };
}

export interface CronHarness {
  clock: FakeClock;
  log: MemoryLog;
  store: StateStore;
  dispatcher: FakeDispatcher;
  reports: string[];
  errors: Error[];
  start(store?: StateStore): Promise<Engine>;
  openStore(): Promise<StateStore>;
  /** Sum of a metric's points whose attributes include `attributes`. */
  metric(name: string, attributes?: Record<string, string>): Promise<number>;
  /** The CronFired / CronSkipped events in the log, accepted or not. */
  cronEvents(): (EventOf<'CronFired'> | EventOf<'CronSkipped'>)[];
  close(): Promise<void>;
}

export async function cronHarness(spec: {
  cron: z.input<typeof TriggerSpec>['cron'];
  delivery?: 'auto' | 'handler' | 'cloudevent';
  function?: string;
}): Promise<CronHarness> {
  const clock = createFakeClock(T0);
  const log = createMemoryLog(clock.now);
  const openStore = () => openStateStore({ log, clock });
  const store = await openStore();
  const manifest = triggerManifest('tick', { function: spec.function ?? 'fn', delivery: spec.delivery ?? 'auto', cron: spec.cron });
  await store.append([
    ...newestRules(),
    { type: 'NamespaceApplied', data: { name: 'ns' } },
    { type: 'FunctionApplied', data: { namespace: 'ns', manifest: functionManifest('fn') } },
    { type: 'TriggerApplied', data: { namespace: 'ns', manifest } },
  ]);
  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  const dispatcher = new FakeDispatcher();
  const reports: string[] = [];
  const errors: Error[] = [];
  const engines: Engine[] = [];
  const stores: StateStore[] = [store];
  return {
    clock,
    log,
    store,
    dispatcher,
    reports,
    errors,
    async openStore() {
      const opened = await openStore();
      stores.push(opened);
      return opened;
    },
    async start(on = store) {
      const deps: EngineDeps = {
        store: on,
        log,
        bus: undefined as never,
        openExternalBus: () => Promise.reject(new Error('no external bus in cron tests')),
        dispatcher,
        clock,
        meter: provider.getMeter('cron-test'),
        identity: `cron-test-${engines.length}`,
        report: (line) => reports.push(line),
        onError: (error) => errors.push(error),
      };
      const engine = await startCronTriggers(deps);
      engines.push(engine);
      return engine;
    },
    async metric(name, attributes = {}) {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
      const points = (metric?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: unknown }[];
      return points
        .filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
        .reduce((sum, p) => sum + (typeof p.value === 'number' ? p.value : (p.value as { count: number }).count), 0);
    },
    cronEvents() {
      return log
        .records(STATE_TOPIC)
        .map((r) => decodeEvent(r.offset, r.value))
        .flatMap((d) =>
          d.ok && (d.event.type === 'CronFired' || d.event.type === 'CronSkipped')
            ? [{ type: d.event.type, data: d.event.data } as EventOf<'CronFired'> | EventOf<'CronSkipped'>]
            : [],
        );
    },
    async close() {
      for (const engine of engines) await engine.stop();
      for (const s of stores) await s.close();
      await provider.shutdown();
    },
  };
}
