import { afterEach, describe, expect, it } from 'vitest';
import { encodeLoadReport, encodeMetricsReport, METRICS_TOPIC, openStateStore, type StateStore } from '@tide/core';
import { functionManifest } from '@tide/core/testing';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { eventually } from '@tide/testkit/testing';
import { startAutoscaler, type Autoscaler } from './autoscaler-loop.js';
import { historyOf } from './core/history.js';
import { replayRecorded } from './core/replay-recorded.js';

let log: MemoryLog;
let store: StateStore;
let autoscaler: Autoscaler | undefined;
afterEach(async () => {
  await autoscaler?.stop();
  await store?.close();
});

async function setup(scale: { min: number; max: number; target: number; scaleToZeroAfterSeconds: number }) {
  log = createMemoryLog();
  store = await openStateStore({ log });
  await store.append([
    { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
    { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('sleep', { scale: { ...scale, metric: 'concurrency' } }) } },
  ]);
}

const load = (at: number, concurrency: number, requests: number, waiting: number) =>
  log.append(METRICS_TOPIC, [
    {
      value: encodeLoadReport({
        kind: 'gateway-load',
        source: 'gw',
        at,
        intervalMs: 1000,
        samples: [{ namespace: 'default', name: 'sleep', concurrency, requests, waiting }],
      }),
    },
  ]);

const desired = () => store.state().functions.get('default/sleep')!.status.desiredReplicas;

describe('the autoscaler loop', () => {
  it('scales a function at zero as soon as a request waits, in proportion to what waits', async () => {
    await setup({ min: 0, max: 20, target: 5, scaleToZeroAfterSeconds: 1 });
    await store.append([{ type: 'ScaleSet', data: { namespace: 'default', name: 'sleep', from: 1, to: 0, reason: 'test starts at zero', inputs: {} } }]);
    autoscaler = await startAutoscaler({ store, metrics: log, tickMs: 60_000 });
    await load(Date.now(), 50, 50, 50);
    await eventually(() => expect(desired()).toBe(15), { timeoutMs: 10_000 });
    const last = store.state().functions.get('default/sleep')!.status.recentScales.at(-1)!;
    expect(last).toMatchObject({ from: 0, to: 15 });
    expect(last.reason).toMatch(/\d/);
  });

  it('scales to zero once no request came for scaleToZeroAfterSeconds', async () => {
    await setup({ min: 0, max: 20, target: 5, scaleToZeroAfterSeconds: 1 });
    autoscaler = await startAutoscaler({ store, metrics: log, tickMs: 100 });
    const lastRequestAt = Date.now();
    await load(lastRequestAt, 1, 3, 0);
    await eventually(() => expect(desired()).toBe(0), { timeoutMs: 10_000 });
    // Not before 1 s without a request: a lower bound, which a busy machine cannot break (a fixed
    // 500 ms pause and "still 1" could, when the check came late).
    const toZero = store.state().functions.get('default/sleep')!.status.recentScales.at(-1)!;
    expect(toZero).toMatchObject({ to: 0 });
    expect(Date.parse(toZero.time) - lastRequestAt).toBeGreaterThanOrEqual(1000);
  });

  it('wakes no idle function for load recorded before it started (issue 9: a restart of tide up)', async () => {
    await setup({ min: 0, max: 20, target: 5, scaleToZeroAfterSeconds: 30 });
    await store.append([
      {
        type: 'FunctionApplied',
        data: {
          namespace: 'default',
          manifest: functionManifest('marker', { scale: { min: 0, max: 20, target: 5, scaleToZeroAfterSeconds: 30, metric: 'concurrency' } }),
        },
      },
      { type: 'ScaleSet', data: { namespace: 'default', name: 'sleep', from: 1, to: 0, reason: 'idle before the restart', inputs: {} } },
      { type: 'ScaleSet', data: { namespace: 'default', name: 'marker', from: 1, to: 0, reason: 'idle before the restart', inputs: {} } },
    ]);
    // given the previous incarnation's gateway reported 6 requests waiting 18 minutes ago
    const long = Date.now() - 18 * 60_000;
    await log.append(METRICS_TOPIC, [
      {
        value: encodeLoadReport({
          kind: 'gateway-load',
          source: 'gw-old',
          at: long,
          intervalMs: 1000,
          samples: [{ namespace: 'default', name: 'sleep', concurrency: 2, requests: 6, waiting: 6, inFlight: 6 }],
        }),
      },
    ]);
    // when a new autoscaler starts, and then a request waits for the marker function
    autoscaler = await startAutoscaler({ store, metrics: log, tickMs: 20 });
    await log.append(METRICS_TOPIC, [
      {
        value: encodeLoadReport({
          kind: 'gateway-load',
          source: 'gw-new',
          at: Date.now(),
          intervalMs: 1000,
          samples: [{ namespace: 'default', name: 'marker', concurrency: 0, requests: 1, waiting: 1, inFlight: 1 }],
        }),
      },
    ]);
    await eventually(() => expect(store.state().functions.get('default/marker')!.status.desiredReplicas).toBe(1), { timeoutMs: 2000 });
    // then the old waiting requests woke nothing
    expect(
      store
        .state()
        .functions.get('default/sleep')!
        .status.recentScales.map((r) => `${r.from}→${r.to} ${r.reason}`),
    ).toEqual(['1→0 idle before the restart']);
  });

  it('decides on a report read late as of when it was made, not as if its load were over (a busy machine)', async () => {
    await setup({ min: 0, max: 20, target: 5, scaleToZeroAfterSeconds: 1 });
    // given an autoscaler that reads a report 10 s after the gateway made it
    autoscaler = await startAutoscaler({ store, metrics: log, tickMs: 60_000, now: () => Date.now() + 10_000 });
    await load(Date.now(), 0, 10, 10);
    // then 10 waiting requests ask for ceil(10 / 3.5) = 3 pods, not for zero
    await eventually(
      () =>
        expect(
          store
            .state()
            .functions.get('default/sleep')!
            .status.recentScales.map((r) => `${r.from}→${r.to}`),
        ).toEqual(['1→3']),
      { timeoutMs: 2000 },
    );
  });

  it('never goes below min', async () => {
    await setup({ min: 2, max: 20, target: 5, scaleToZeroAfterSeconds: 1 });
    autoscaler = await startAutoscaler({ store, metrics: log, tickMs: 50 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(desired()).toBe(2);
  });

  it("scales on a trigger's lag from zero, says the lag decided, and replays to the same decisions", async () => {
    await setup({ min: 0, max: 20, target: 10, scaleToZeroAfterSeconds: 30 });
    await store.append([{ type: 'ScaleSet', data: { namespace: 'default', name: 'sleep', from: 1, to: 0, reason: 'test starts at zero', inputs: {} } }]);
    autoscaler = await startAutoscaler({ store, metrics: log, tickMs: 60_000 });
    // given the triggers process reports lag 340 on trigger orders with 4 partitions behind
    await log.append(METRICS_TOPIC, [
      {
        value: encodeMetricsReport({
          kind: 'trigger-lag',
          source: 'triggers-1',
          at: Date.now(),
          intervalMs: 1000,
          samples: [{ namespace: 'default', name: 'sleep', trigger: 'orders', lag: 340, parallelism: 4 }],
        }),
      },
    ]);
    // then min(ceil(340 / 10), 4) = 4 pods, and the ScaleSet says why
    await eventually(() => expect(desired()).toBe(4), { timeoutMs: 10_000 });
    const last = store.state().functions.get('default/sleep')!.status.recentScales.at(-1)!;
    expect(last).toMatchObject({ from: 0, to: 4, reason: 'from zero: lag 340 on trigger orders / 10 per pod, at most 4 in parallel → 4 pods' });
    await autoscaler.stop();
    autoscaler = undefined;
    // and the recorded history replays to the same decision
    const replayed = replayRecorded(historyOf(log.records(METRICS_TOPIC), 'default', 'sleep'));
    expect(replayed.filter((d) => d.changed).map((d) => `${d.from}→${d.replicas} ${d.reason}`)).toEqual([`0→4 ${last.reason}`]);
    expect(replayed.every((d) => d.sameState)).toBe(true);
  });
});
