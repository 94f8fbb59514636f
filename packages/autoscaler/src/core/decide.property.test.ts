import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { windowKeepMs, withDefaults, type AutoscalerSpec } from './autoscaler-spec.js';
import { decide } from './decide.js';
import { addSample, emptyWindow, waitingAt, type MetricWindow } from './metric-window.js';
import { initialScalerState, type ScalerState } from './scaler-state.js';

const specArb: fc.Arbitrary<AutoscalerSpec> = fc
  .record({
    min: fc.nat(4),
    extra: fc.nat(30),
    target: fc.double({ min: 0.1, max: 100, noNaN: true }),
    metric: fc.constantFrom('concurrency', 'rps', 'cpu') as fc.Arbitrary<AutoscalerSpec['metric']>,
    targetUtilization: fc.double({ min: 0.1, max: 1, noNaN: true }),
    stableWindowMs: fc.integer({ min: 1_000, max: 60_000 }),
    panicFraction: fc.double({ min: 0.01, max: 1, noNaN: true }),
    panicThreshold: fc.double({ min: 1, max: 5, noNaN: true }),
    maxScaleUpRate: fc.double({ min: 1.01, max: 1000, noNaN: true }),
    maxScaleDownRate: fc.double({ min: 1.01, max: 10, noNaN: true }),
    scaleToZeroAfterMs: fc.integer({ min: 1_000, max: 60_000 }),
    cpuPerPodMilli: fc.integer({ min: 10, max: 4000 }),
  })
  .map(({ min, extra, panicFraction, ...rest }) =>
    withDefaults({ ...rest, min, max: Math.max(1, min + extra), panicWindowMs: Math.max(1, Math.floor(rest.stableWindowMs * panicFraction)) }),
  );

/** Between two decisions: time passes, gateways report, pods become ready or not, callers wait. */
const stepArb = fc.record({
  advanceMs: fc.integer({ min: 0, max: 8_000 }),
  samples: fc.array(
    fc.record({
      offsetMs: fc.integer({ min: -3_000, max: 0 }),
      concurrency: fc.double({ min: 0, max: 500, noNaN: true }),
      requests: fc.nat(1000),
      cpuMilli: fc.option(fc.integer({ min: 0, max: 8000 }), { nil: undefined }),
    }),
    { maxLength: 4 },
  ),
  readyLag: fc.constantFrom('all', 'none', 'half'),
  waiting: fc.option(fc.nat(200), { nil: undefined }),
});

const readyPods = (replicas: number, lag: string) => (lag === 'all' ? replicas : lag === 'none' ? 0 : Math.floor(replicas / 2));

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('decide, for any samples and spec', () => {
  it('stays within [min, max], reaches zero only when idle, never scales down in panic, and mutates nothing', () => {
    fc.assert(
      fc.property(specArb, fc.nat(40), fc.array(stepArb, { minLength: 1, maxLength: 40 }), (spec, startReplicas, steps) => {
        let window: MetricWindow = emptyWindow;
        let state: ScalerState = initialScalerState(Math.min(spec.max, Math.max(spec.min, startReplicas)));
        let now = 1_700_000_000_000;
        for (const step of steps) {
          now += step.advanceMs;
          for (const { offsetMs, cpuMilli, ...counts } of step.samples) {
            window = addSample(window, { at: now + offsetMs, ...counts, ...(cpuMilli === undefined ? {} : { cpuMilli }) }, windowKeepMs(spec));
          }
          if (step.waiting !== undefined)
            window = addSample(window, { at: now, concurrency: 0, requests: 0, waiting: step.waiting, source: 'gw' }, windowKeepMs(spec));
          const given = deepFreeze({ spec, window, state: { ...state, readyPods: readyPods(state.replicas, step.readyLag) } });
          const snapshot = structuredClone(given);
          const decision = decide(given.spec, given.window, given.state, now);

          expect(given).toEqual(snapshot);
          expect(Number.isInteger(decision.replicas)).toBe(true);
          expect(decision.replicas).toBeGreaterThanOrEqual(spec.min);
          expect(decision.replicas).toBeLessThanOrEqual(spec.max);
          if (decision.replicas === 0 && state.replicas > 0) {
            expect(now - (window.lastRequestAt ?? -Infinity)).toBeGreaterThanOrEqual(spec.scaleToZeroAfterMs);
            expect(waitingAt(window, now)).toBe(0);
          }
          if (state.mode === 'panic' && decision.mode === 'panic') expect(decision.replicas).toBeGreaterThanOrEqual(state.replicas);
          expect(decision.changed).toBe(decision.replicas !== state.replicas);
          state = decision.state;
        }
      }),
      { numRuns: 300 },
    );
  });
});
