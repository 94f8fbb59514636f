import { afterAll, describe, expect, it } from 'vitest';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createMemoryLog } from '@tide/log/testing';
import { createFakeClock, eventually } from '@tide/testkit/testing';
import { decodeEvent } from '../encoding.js';
import { openStateStore, STATE_TOPIC, type EventInput } from './state-store.js';
import { startReconcileLoop } from './reconcile-loop.js';

/** Collects the metrics the code under test records through the global @opentelemetry/api meter. */
class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}
const reader = new CollectingReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
afterAll(() => metrics.disable());

async function counted(name: string, attributes: Record<string, string>): Promise<number> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  const points = (metric?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: unknown }[];
  return points.filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v)).reduce((sum, p) => sum + (p.value as number), 0);
}

/** A planner that disagrees with the fold: it creates namespace `a` over and over (already-exists). */
const createA: EventInput = { type: 'NamespaceApplied', data: { name: 'a' }, expect: null };
/** More passes than the back-off lets through while the test runs: past it the planner gives up, so a spin ends. */
const MAX_PASSES = 50;

describe('a reconcile loop whose proposals the fold rejects', () => {
  it('backs off the rejected key, 5 ms doubling, instead of spinning, counts the rejections, and starts over after a success', async () => {
    const clock = createFakeClock();
    const log = createMemoryLog();
    const store = await openStateStore({ log, clock });
    await store.append([createA]);
    let passes = 0;
    const loop = startReconcileLoop(store, { name: 'stubborn', clock, reconcile: () => (++passes > MAX_PASSES ? [] : [createA]) });
    /** Records the loop appended (all but the first, which the test appended). */
    const appended = async () => {
      let n = 0;
      for await (const record of log.read(STATE_TOPIC, 0, { follow: false })) {
        const decoded = decodeEvent(record.offset, record.value);
        if (decoded.ok && decoded.event.type === 'NamespaceApplied' && record.offset > 0) n++;
      }
      return n;
    };
    const backoffArmed = (ms: number) => clock.pendingTimers().includes(clock.now() + ms);

    // Idle once its back-off timer is armed; a loop that spins instead stops only when the planner gives up.
    const start = clock.now();
    await eventually(() => expect(backoffArmed(5) || passes > MAX_PASSES).toBe(true), { timeoutMs: 5_000, intervalMs: 5 });
    expect(await appended()).toBe(1);
    expect(passes).toBe(1);

    for (const [ms, total] of [
      [5, 2],
      [10, 3],
      [20, 4],
      [40, 5],
    ] as const) {
      clock.advance(ms - 1);
      expect(await appended(), `nothing is retried before ${ms} ms passed`).toBe(total - 1);
      clock.advance(1);
      await eventually(() => expect(backoffArmed(ms * 2)).toBe(true), { timeoutMs: 5_000, intervalMs: 5 });
      expect(await appended()).toBe(total);
    }
    expect(clock.now() - start).toBe(75);
    expect(await counted('tide_reconcile_rejected', { loop: 'stubborn' })).toBe(5);

    // The key's object changes (deleted by someone else): the loop retries at once, is accepted, and
    // its next rejection backs off from 5 ms again.
    await store.append([{ type: 'NamespaceDeleted', data: { name: 'a' } }]);
    await eventually(() => expect(backoffArmed(5)).toBe(true), { timeoutMs: 5_000, intervalMs: 5 });
    expect(store.state().namespaces.has('a')).toBe(true);
    expect(await appended()).toBe(7);
    expect(await counted('tide_reconcile_rejected', { loop: 'stubborn' })).toBe(6);
    await loop.stop();
    await store.close();
  });

  it('backs the whole loop off on its clock when a pass fails, 100 ms doubling', async () => {
    const clock = createFakeClock();
    const store = await openStateStore({ log: createMemoryLog(), clock });
    const errors: string[] = [];
    let passes = 0;
    const loop = startReconcileLoop(store, {
      name: 'failing',
      clock,
      onError: (e) => errors.push(e.message),
      reconcile: () => {
        if (++passes > MAX_PASSES) return [];
        throw new Error('planner crashed');
      },
    });
    for (const [ms, total] of [
      [100, 1],
      [200, 2],
      [400, 3],
    ] as const) {
      await eventually(() => expect(clock.pendingTimers()).toContain(clock.now() + ms), { timeoutMs: 5_000, intervalMs: 5 });
      expect(passes).toBe(total);
      clock.advance(ms);
    }
    expect(errors[0]).toBe('failing: reconcile failed: planner crashed');
    await loop.stop();
    await store.close();
  });

  it('drops the back-offs of its keys when it no longer leads, and keeps no timer but the resync', async () => {
    const clock = createFakeClock();
    const store = await openStateStore({ log: createMemoryLog(), clock });
    await store.append([createA]);
    let leading = true;
    let passes = 0;
    let askedWhileDeposed = 0;
    const loop = startReconcileLoop(store, {
      name: 'deposed',
      clock,
      resyncMs: 60_000,
      leader: () => {
        if (leading) return { role: 'controllers', epoch: 1 };
        askedWhileDeposed++;
        return undefined;
      },
      reconcile: () => (++passes > MAX_PASSES ? [] : [createA]),
    });
    const start = clock.now();
    await eventually(() => expect(clock.pendingTimers()).toContain(clock.now() + 5), { timeoutMs: 5_000, intervalMs: 5 });
    leading = false;
    // Nothing here waits on I/O: a pass that finds it no longer leads ends within the yield.
    for (let i = 0; i < 10; i++) {
      clock.advance(5);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(askedWhileDeposed, 'passes woken by a back-off while deposed').toBe(1);
    expect(clock.pendingTimers()).toEqual([start + 60_000]);
    expect(passes).toBe(1);
    await loop.stop();
    await store.close();
  });
});
