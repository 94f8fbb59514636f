import { describe, expect, it } from 'vitest';
import { withDefaults, type AutoscalerSpecInput } from './autoscaler-spec.js';
import { decide } from './decide.js';
import { addSample, emptyWindow, type MetricWindow } from './metric-window.js';
import { initialScalerState, type ScalerState } from './scaler-state.js';

// min 0; target 5 × utilization 0.7 → 3.5 in-flight requests per pod; zero after 30 s idle
const spec = (overrides: Partial<AutoscalerSpecInput> = {}) => withDefaults({ min: 0, max: 100, target: 5, ...overrides });
const s = (seconds: number) => seconds * 1000;
const at = (window: MetricWindow, second: number, concurrency: number, requests: number) =>
  addSample(window, { at: s(second), concurrency, requests }, 120_000);
const pods = (replicas: number, extra: Partial<ScalerState> = {}): ScalerState => ({ ...initialScalerState(replicas), ...extra });
/** The window with a gateway's report, at `now`, of `waiting` requests held for a pod. */
const waitingNow = (window: MetricWindow, now: number, waiting: number) =>
  addSample(window, { at: now, concurrency: 0, requests: 0, waiting, source: 'gw' }, 120_000);

describe('scale to zero', () => {
  // given one request at 10 s, then gateways reporting nothing in flight
  let quiet = at(emptyWindow, 10, 1, 1);
  for (let second = 11; second <= 45; second += 1) quiet = at(quiet, second, 0, 0);
  const active = pods(1, { activeSince: 0 });

  it.each([
    ['keeps its pod 1 ms before scaleToZeroAfterMs without requests', 1, s(39.999), 1],
    ['goes from 1 pod to zero after exactly scaleToZeroAfterMs', 1, s(40), 0],
    ['goes from 4 pods to zero in one decision, past the scale-down limit', 4, s(40), 0],
  ])('%s', (_what, replicas, now, expected) => {
    expect(decide(spec(), quiet, pods(replicas, { activeSince: 0 }), now).replicas).toBe(expected);
  });

  it('says how long the function was idle', () => {
    const decision = decide(spec(), quiet, active, s(40));
    expect(decision).toMatchObject({ replicas: 0, changed: true, mode: 'stable', reason: 'idle: no request for 30s → scale to zero' });
    expect(decision.state).toEqual({ replicas: 0, readyPods: 1, mode: 'stable', lastScaleAt: s(40) });
  });

  it('keeps one pod, not zero, while the last request is recent, however short it was', () => {
    // given a request at 10 s too short to show as concurrency
    const decision = decide(spec(), at(emptyWindow, 10, 0, 1), active, s(35));
    expect(decision.replicas).toBe(1);
    expect(decision.reason).toContain('kept 1 pod until 30s idle (25s since the last request or start)');
  });

  it('does not scale to zero when min is 1', () => {
    expect(decide(spec({ min: 1 }), quiet, active, s(45)).replicas).toBe(1);
  });

  it('does not scale to zero while a long request is still in flight', () => {
    // given the only request arrived at 10 s and is still running at 45 s
    let running = at(emptyWindow, 10, 1, 1);
    for (let second = 11; second <= 45; second += 1) running = at(running, second, 1, 0);
    expect(decide(spec(), running, active, s(45)).replicas).toBe(1);
  });

  it('ends a panic when the function goes idle', () => {
    const panicking = pods(8, { activeSince: 0, mode: 'panic', panicSince: s(10), maxPanicPods: 8 });
    expect(decide(spec(), quiet, panicking, s(40))).toMatchObject({ replicas: 0, mode: 'stable' });
  });

  it('gives pods it was handed without history the full idle period', () => {
    // given a state with pods but no activeSince (a new autoscaler leader) and no requests ever
    const first = decide(spec(), emptyWindow, pods(2), s(100));
    expect(first.replicas).toBe(1);
    expect(first.state.activeSince).toBe(s(100));
    expect(decide(spec(), emptyWindow, first.state, s(129.999)).replicas).toBe(1);
    expect(decide(spec(), emptyWindow, first.state, s(130)).replicas).toBe(0);
  });

  it('takes over pods idle since long before a restart and scales them to zero at once, not a full idle period later', () => {
    // given a request 18 min ago, and pods that came up from zero for it (recorded), handed to a new autoscaler
    const window = at(emptyWindow, 100, 1, 1);
    const takenOver = initialScalerState(2, 2, s(99));
    const decision = decide(spec(), window, takenOver, s(100 + 18 * 60));
    expect(decision).toMatchObject({ replicas: 0, reason: 'idle: no request for 1080s → scale to zero' });
    expect(decision.inputs.sinceLastRequestMs).toBe(s(18 * 60));
  });

  it('stays at zero after a restart when the only waiting requests were recorded before it (issue 9)', () => {
    // given a burst 18 min ago that left 6 requests waiting in the gateway's last report
    const burst = addSample(emptyWindow, { at: s(100), concurrency: 2, requests: 6, waiting: 6, source: 'gw-old' }, 120_000);
    // when a new autoscaler decides at start-up
    const decision = decide(spec(), burst, initialScalerState(0), s(100 + 18 * 60));
    // then the old waiting requests are no demand now
    expect(decision).toMatchObject({ replicas: 0, changed: false, reason: 'idle: no request for 1080s' });
    expect(decision.inputs.waiting).toBe(0);
  });

  it('does not take a gateway falling silent for quiet while its last report had requests in flight (reports running late)', () => {
    // given 50 requests in flight at 10 s, and no report since (a busy machine delays them)
    const window = addSample(emptyWindow, { at: s(10), concurrency: 50, requests: 50, waiting: 50, source: 'gw' }, 120_000);
    // then 6 s later, past the 5 s idle period, the pods stay
    const decision = decide(spec({ scaleToZeroAfterMs: 5_000 }), window, pods(15, { activeSince: s(10) }), s(16));
    expect(decision.replicas).toBeGreaterThan(0);
    // but a gateway silent for 30 s is gone, and so are its requests
    expect(decide(spec({ scaleToZeroAfterMs: 5_000 }), window, pods(15, { activeSince: s(10) }), s(40)).replicas).toBe(0);
  });

  it('stays at zero while idle, even with old load still in the stable window', () => {
    // given load 35 s ago: inside the 60 s stable window, outside the 30 s idle period
    const window = at(emptyWindow, 10, 20, 5);
    const decision = decide(spec(), window, pods(0), s(45));
    expect(decision).toMatchObject({ replicas: 0, changed: false, reason: 'idle: no request for 35s' });
  });
});

describe('scale from zero', () => {
  it.each([
    ['one waiting request', { waiting: 1 } as { waiting?: number }, emptyWindow, 1, 'from zero: 6s avg concurrency 0.0 + 1 waiting / 3.5 per pod → 1 pod'],
    [
      '50 waiting callers at target 5 → ceil(50 / 3.5)',
      { waiting: 50 },
      emptyWindow,
      15,
      'from zero: 6s avg concurrency 0.0 + 50 waiting / 3.5 per pod → 15 pods',
    ],
    ['a request seen in the panic window', {}, at(emptyWindow, 99, 0.2, 1), 1, 'from zero: 6s avg concurrency 0.2 / 3.5 per pod → 1 pod'],
  ])('answers %s at once', (_what, observed, window, expected, reason) => {
    const decision = decide(spec(), observed.waiting === undefined ? window : waitingNow(window, s(99.5), observed.waiting), pods(0), s(99.5));
    expect(decision).toMatchObject({ replicas: expected, changed: true, reason });
    expect(decision.state.activeSince).toBe(s(99.5));
  });

  it('panics on a burst from zero, so the pods are not taken back before the load shows in the stable window', () => {
    expect(decide(spec(), waitingNow(emptyWindow, s(1), 50), pods(0), s(1)).mode).toBe('panic');
  });

  it('stays at zero with nothing waiting and nothing seen', () => {
    expect(decide(spec(), emptyWindow, pods(0), s(1))).toMatchObject({ replicas: 0, changed: false });
  });

  it('scales from zero proportionally for the rps metric as well', () => {
    // target 10 req/s × 0.7 → 7 per pod; 50 waiting count as 50 req/s now
    expect(decide(spec({ metric: 'rps', target: 10 }), waitingNow(emptyWindow, s(1), 50), pods(0), s(1)).replicas).toBe(8);
  });

  it('starts one pod for the cpu metric', () => {
    const cpu = spec({ metric: 'cpu', cpuPerPodMilli: 250 });
    expect(decide(cpu, waitingNow(emptyWindow, s(1), 50), pods(0), s(1))).toMatchObject({ replicas: 1, reason: 'from zero: 50 waiting, 0.0 req/s → 1 pod' });
  });
});
