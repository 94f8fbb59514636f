import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeLoadReport, encodeMetricsReport, METRICS_TOPIC, type StateStore } from '@tide/core';
import { createMemoryLog, type MemoryLog } from '@tide/log/testing';
import { createFakeClock } from '@tide/testkit/testing';
import { startAutoscaler, type Autoscaler } from './autoscaler-loop.js';
import { historyOf } from './core/history.js';
import { replayRecorded } from './core/replay-recorded.js';

/**
 * Issue 9 (item 7): `tide autoscale replay` showed decisions (1→3→5→6) other than those recorded
 * (1→2→4→6→8). Here the live autoscaler runs over a random history — gateway reports, ticks, pods
 * becoming ready or going away, replicas changed by an apply, restarts, leadership moving between
 * two control planes — and the replay of what the metrics topic then holds must make exactly the
 * decisions it made.
 */

interface Scale {
  min: number;
  max: number;
  target: number;
  metric: 'concurrency' | 'rps';
  scaleToZeroAfterSeconds: number;
  stableWindowSeconds: number;
}
interface ScaleSetSeen {
  from: number;
  to: number;
  reason: string;
}

/** Only what the autoscaler reads of the cluster: one function, its ready pods, ScaleSet judged as the fold does. */
function fakeStore(scale: Scale, clock: { now(): number }) {
  const fn = {
    metadata: { namespace: 'default', name: 'fn', creationTimestamp: new Date(clock.now()).toISOString() },
    spec: { scale, resources: { cpuMilli: 250 } },
    status: { desiredReplicas: Math.max(1, scale.min), recentScales: [] as { time: string; from: number; to: number; reason: string }[] },
  };
  let ready = 0;
  const accepted: ScaleSetSeen[] = [];
  const pods = () => Array.from({ length: ready }, () => ({ status: { phase: 'Ready' }, spec: { function: 'fn' }, metadata: { namespace: 'default' } }));
  const store = {
    state: () => ({ functions: new Map([['default/fn', fn]]), pods: new Map(pods().map((p, i) => [String(i), p])) }),
    async append(events: { data: ScaleSetSeen }[]) {
      const { from, to, reason } = events[0]!.data;
      const ok = from === fn.status.desiredReplicas;
      if (ok) {
        fn.status.desiredReplicas = to;
        fn.status.recentScales = [...fn.status.recentScales, { time: new Date(clock.now()).toISOString(), from, to, reason }].slice(-10);
        accepted.push({ from, to, reason });
      }
      return [{ verdict: { accepted: ok } }];
    },
  };
  return {
    store: store as unknown as StateStore,
    accepted,
    setReady: (n: number) => (ready = n),
    apply: (replicas: number) => (fn.status.desiredReplicas = Math.min(scale.max, Math.max(scale.min, replicas))),
  };
}

/** The memory log, telling when every autoscaler reading it has handled everything appended. */
function watchedLog() {
  const log: MemoryLog = createMemoryLog();
  const readers = new Set<{ handled: number }>();
  const metrics = {
    endOffset: (topic: string) => log.endOffset(topic),
    append: (topic: string, records: readonly { value: Uint8Array; key?: string }[]) => log.append(topic, records),
    async *read(topic: string, from: number, options?: { follow?: boolean; signal?: AbortSignal }) {
      const reader = { handled: from - 1 };
      readers.add(reader);
      try {
        for await (const record of log.read(topic, from, options)) {
          yield record;
          reader.handled = record.offset; // resumed only once the autoscaler asks for the next record
        }
      } finally {
        readers.delete(reader);
      }
    },
  };
  /** Until the autoscalers have read all there is, including the decisions they recorded meanwhile. */
  const settle = async () => {
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setImmediate(r));
      const end = await log.endOffset(METRICS_TOPIC);
      if ([...readers].every((r) => r.handled >= end - 1)) {
        await new Promise((r) => setImmediate(r));
        if ((await log.endOffset(METRICS_TOPIC)) === end) return;
      }
    }
    throw new Error('the autoscalers did not catch up with the metrics topic');
  };
  return { log, metrics, settle };
}

const scaleArb = fc
  .record({
    min: fc.integer({ min: 0, max: 2 }),
    extra: fc.integer({ min: 0, max: 18 }),
    target: fc.integer({ min: 1, max: 10 }),
    metric: fc.constantFrom('concurrency' as const, 'rps' as const),
    scaleToZeroAfterSeconds: fc.integer({ min: 1, max: 20 }),
    stableWindowSeconds: fc.integer({ min: 6, max: 30 }),
  })
  .map(({ min, extra, ...rest }): Scale => ({ min, max: Math.max(1, min + extra), ...rest }));

const stepArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('report' as const),
      advanceMs: fc.integer({ min: 0, max: 3_000 }),
      source: fc.constantFrom('gw-a', 'gw-b'),
      concurrency: fc.double({ min: 0, max: 80, noNaN: true }),
      requests: fc.nat(200),
      waiting: fc.nat(40),
      inFlight: fc.nat(60),
      intervalMs: fc.constantFrom(1000, 400),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('lag' as const),
      advanceMs: fc.integer({ min: 0, max: 4_000 }),
      trigger: fc.constantFrom('orders', 'async'),
      source: fc.constantFrom('triggers-a', 'triggers-b'),
      lag: fc.nat(500),
      parallelism: fc.integer({ min: 1, max: 8 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tick' as const), advanceMs: fc.integer({ min: 0, max: 12_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ready' as const), ready: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('apply' as const), replicas: fc.nat(20) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('restart' as const), plane: fc.constantFrom('a', 'b'), replayReports: fc.integer({ min: 1, max: 40 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leadership' as const), holder: fc.constantFrom('a', 'b', 'nobody') }) },
);

describe('replaying what the autoscaler recorded', () => {
  it('makes exactly the decisions the live autoscaler made, for any recorded history', async () => {
    await fc.assert(
      fc.asyncProperty(scaleArb, fc.array(stepArb, { minLength: 1, maxLength: 80, size: 'large' }), async (scale, steps) => {
        const clock = createFakeClock();
        const cluster = fakeStore(scale, clock);
        const { log, metrics, settle } = watchedLog();
        // two control planes, each with its autoscaler; the one holding the lease decides
        type Plane = 'a' | 'b';
        let leadership = { holder: 'a', epoch: 1 };
        const ticks: Record<Plane, () => void> = { a: () => {}, b: () => {} };
        let incarnation = 0;
        const start = (plane: Plane, replayReports?: number) =>
          startAutoscaler({
            store: cluster.store,
            metrics,
            now: clock.now,
            source: `autoscaler-${plane}-${++incarnation}`,
            leader: () => (leadership.holder === plane ? { role: 'controllers', epoch: leadership.epoch } : undefined),
            ...(replayReports === undefined ? {} : { replayReports }),
            every: (_ms, fn) => ((ticks[plane] = fn), () => (ticks[plane] = () => {})),
          });
        const autoscalers: Record<Plane, Autoscaler> = { a: await start('a'), b: await start('b') };
        try {
          for (const step of steps) {
            if (step.kind === 'report') {
              clock.advance(step.advanceMs);
              const sample = {
                namespace: 'default',
                name: 'fn',
                concurrency: step.concurrency,
                requests: step.requests,
                waiting: step.waiting,
                inFlight: Math.max(step.inFlight, step.waiting),
              };
              await log.append(METRICS_TOPIC, [
                { value: encodeLoadReport({ kind: 'gateway-load', source: step.source, at: clock.now(), intervalMs: step.intervalMs, samples: [sample] }) },
              ]);
            } else if (step.kind === 'lag') {
              clock.advance(step.advanceMs);
              const lag = { namespace: 'default', name: 'fn', trigger: step.trigger, lag: step.lag, parallelism: step.parallelism };
              await log.append(METRICS_TOPIC, [
                { value: encodeMetricsReport({ kind: 'trigger-lag', source: step.source, at: clock.now(), intervalMs: 1000, samples: [lag] }) },
              ]);
            } else if (step.kind === 'tick') {
              clock.advance(step.advanceMs);
              ticks.a();
              ticks.b();
            } else if (step.kind === 'ready') cluster.setReady(step.ready);
            else if (step.kind === 'apply') cluster.apply(step.replicas);
            else if (step.kind === 'leadership') leadership = { holder: step.holder, epoch: leadership.epoch + 1 };
            else {
              await autoscalers[step.plane].stop();
              autoscalers[step.plane] = await start(step.plane, step.replayReports);
            }
            await settle();
          }
        } finally {
          await Promise.all([autoscalers.a.stop(), autoscalers.b.stop()]);
        }

        const replayed = replayRecorded(historyOf(log.records(METRICS_TOPIC), 'default', 'fn'));
        const changes = replayed.filter((p) => p.changed).map(({ from, replicas, reason }) => ({ from, to: replicas, reason }));
        expect(changes).toEqual(cluster.accepted);
        expect(replayed.filter((p) => !p.sameState)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
