import { describe, expect, it } from 'vitest';
import { withDefaults, type AutoscalerSpecInput } from './autoscaler-spec.js';
import { decide } from './decide.js';
import { lagFreshMs } from './lag.js';
import { addSample, emptyWindow, type MetricWindow } from './metric-window.js';
import { initialScalerState, type ScalerState } from './scaler-state.js';

// target 10: read by the lag signal as 10 records per replica (KEDA's lagThreshold)
const spec = (overrides: Partial<AutoscalerSpecInput> = {}) => withDefaults({ min: 0, max: 100, target: 10, ...overrides });
const s = (seconds: number) => seconds * 1000;
const pods = (replicas: number, extra: Partial<ScalerState> = {}): ScalerState => ({ ...initialScalerState(replicas), ...extra });
/** The triggers process's report, at `second`, of a trigger's lag for the function. */
const lagged = (window: MetricWindow, second: number, trigger: string, lag: number, parallelism: number, source = 'triggers-1') =>
  addSample(window, { at: s(second), concurrency: 0, requests: 0, source, lag: { trigger, lag, parallelism } }, 120_000);
const load = (window: MetricWindow, second: number, concurrency: number, requests: number) =>
  addSample(window, { at: s(second), concurrency, requests }, 120_000);

describe('scaling on trigger lag', () => {
  it('wakes a function at zero on lag, with as many pods as can make progress, and says the lag decided', () => {
    // given lag 340 on trigger orders, 4 partitions with lag
    const window = lagged(emptyWindow, 10, 'orders', 340, 4);
    // when the decider runs a second later, the function at zero with no request seen
    const decision = decide(spec(), window, pods(0), s(11));
    // then min(ceil(340 / 10), 4) = 4
    expect(decision).toMatchObject({ replicas: 4, changed: true });
    expect(decision.reason).toBe('from zero: lag 340 on trigger orders / 10 per pod, at most 4 in parallel → 4 pods');
    expect(decision.inputs).toMatchObject({ lag: 340, desiredLag: 4 });
  });

  it.each([
    ['ceil(lag / target) when the parallelism allows more', 35, 100, 4],
    ['the parallelism when the lag asks for more', 1000, 6, 6],
    ['one pod for any lag at all', 1, 1, 1],
  ])('asks for %s', (_what, lag, parallelism, expected) => {
    expect(decide(spec(), lagged(emptyWindow, 10, 'orders', lag, parallelism), pods(0), s(10)).replicas).toBe(expected);
  });

  it('never exceeds max, and says so', () => {
    const decision = decide(spec({ max: 5 }), lagged(emptyWindow, 10, 'orders', 1000, 50), pods(1, { activeSince: 0 }), s(10));
    expect(decision.replicas).toBe(5);
    expect(decision.reason).toBe('lag 1000 on trigger orders / 10 per pod, at most 50 in parallel → 50 pods; capped at max 5');
  });

  it('sums the lag of several triggers and names the one with most', () => {
    let window = lagged(emptyWindow, 10, 'orders', 50, 8);
    window = lagged(window, 10, 'async', 20, 20);
    const decision = decide(spec(), window, pods(1, { activeSince: 0 }), s(10));
    expect(decision.replicas).toBe(7);
    expect(decision.reason).toBe('lag 70 on 2 triggers (most on orders) / 10 per pod → 7 pods');
  });

  it('sums what several triggers processes report for one trigger, each the lag of its own partitions', () => {
    // given two processes on Kafka sharing trigger orders' 4 partitions, 2 each
    let window = lagged(emptyWindow, 10, 'orders', 120, 2, 'triggers-1');
    window = lagged(window, 10, 'orders', 100, 2, 'triggers-2');
    const decision = decide(spec(), window, pods(1, { activeSince: 0 }), s(10));
    expect(decision.replicas).toBe(4);
    expect(decision.reason).toBe('lag 220 on trigger orders / 10 per pod, at most 4 in parallel → 4 pods');
  });

  it("keeps a trigger's newest report: a newer lag replaces the older, a late older one changes nothing", () => {
    let window = lagged(emptyWindow, 10, 'orders', 200, 100);
    window = lagged(window, 11, 'orders', 30, 100);
    window = lagged(window, 9, 'orders', 900, 100);
    expect(decide(spec(), window, pods(3, { activeSince: 0 }), s(11)).inputs).toMatchObject({ lag: 30, desiredLag: 3 });
  });

  it('forgets a lag once its trigger stops reporting, as waiting demand is forgotten', () => {
    const window = lagged(emptyWindow, 10, 'orders', 340, 4);
    expect(decide(spec(), window, pods(0), s(10) + lagFreshMs - 1).replicas).toBe(4);
    const late = decide(spec(), window, pods(0), s(10) + lagFreshMs);
    expect(late).toMatchObject({ replicas: 0, changed: false });
    expect(late.inputs.lag).toBeUndefined();
  });

  it('does not scale a function with lag to zero, however long since its last request', () => {
    // given one request at 0 s and, 60 s later, lag of 5 records (less than one pod's target)
    const window = lagged(load(emptyWindow, 0, 1, 1), 60, 'orders', 5, 1);
    const decision = decide(spec(), window, pods(1, { activeSince: 0 }), s(60));
    expect(decision.replicas).toBe(1);
    // and once the lag is reported done, the idle rule applies again
    expect(decide(spec(), lagged(window, 61, 'orders', 0, 0), pods(1, { activeSince: 0 }), s(61)).replicas).toBe(0);
  });

  it('lets the load decide when it asks for more than the lag', () => {
    // given 30 requests in flight every second (30 / (10 × 0.7) → 5 pods) and lag 20 (→ 2 pods)
    let window = emptyWindow;
    for (let second = 0; second <= 60; second += 1) window = load(window, second, 30, 30);
    window = lagged(window, 60, 'orders', 20, 4);
    const decision = decide(spec(), window, pods(5, { activeSince: 0 }), s(60));
    expect(decision.replicas).toBe(5);
    expect(decision.reason).toMatch(/^stable: 60s avg concurrency 30\.0/);
    expect(decision.inputs).toMatchObject({ lag: 20, desiredLag: 2 });
  });

  it('refuses a lag report with a negative lag, naming the field', () => {
    expect(() => lagged(emptyWindow, 10, 'orders', -1, 4)).toThrow(/lag must be a finite number/);
  });
});
