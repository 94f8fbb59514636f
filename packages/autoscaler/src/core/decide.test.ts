import { describe, expect, it } from 'vitest';
import { withDefaults, type AutoscalerSpecInput } from './autoscaler-spec.js';
import { decide, type ScaleDecision } from './decide.js';
import { addSample, emptyWindow, type MetricWindow } from './metric-window.js';
import { initialScalerState, type ScalerState } from './scaler-state.js';

// target 5 × utilization 0.7 → 3.5 in-flight requests per pod
const spec = (overrides: Partial<AutoscalerSpecInput> = {}) => withDefaults({ min: 1, max: 100, target: 5, ...overrides });
const s = (seconds: number) => seconds * 1000;

/** One gateway reports `concurrency` (and one request) every second in [fromS, toS). */
function load(window: MetricWindow, fromS: number, toS: number, concurrency: number, requests = 1): MetricWindow {
  let w = window;
  for (let second = fromS; second < toS; second += 1) w = addSample(w, { at: s(second), concurrency, requests }, 120_000);
  return w;
}

const ready = (replicas: number, extra: Partial<ScalerState> = {}): ScalerState => ({ ...initialScalerState(replicas), ...extra });

/**
 * The autoscaler loop with a hand-advanced clock: every second a report of loadAt(second), every
 * 2 s a decision; pods are ready as soon as they are asked for.
 */
function simulate(specUsed: ReturnType<typeof spec>, start: ScalerState, toS: number, loadAt: (second: number) => number) {
  let window = emptyWindow;
  let state = start;
  const decisions: { at: number; decision: ScaleDecision }[] = [];
  for (let second = 0; second <= toS; second += 1) {
    window = addSample(window, { at: s(second), concurrency: loadAt(second), requests: loadAt(second) > 0 ? 1 : 0 }, 120_000);
    if (second % 2 !== 0) continue;
    const decision = decide(specUsed, window, { ...state, readyPods: state.replicas }, s(second));
    decisions.push({ at: s(second), decision });
    state = decision.state;
  }
  return decisions;
}

describe('decide in stable mode', () => {
  it('keeps replicas steady under steady load', () => {
    // given 35 in-flight requests all along, 10 pods
    const decisions = simulate(spec(), ready(10), 180, () => 35);
    // then every decision is 10 pods, unchanged
    expect(decisions.map((d) => d.decision.replicas)).toEqual(decisions.map(() => 10));
    expect(decisions.some((d) => d.decision.changed)).toBe(false);
    expect(decisions.at(-1)?.decision.reason).toBe('stable: 60s avg concurrency 35.0 / 3.5 per pod → 10 pods');
  });

  it('follows load that doubles slowly, without panicking', () => {
    // given load growing from 35 to 70 over ten minutes
    const decisions = simulate(spec(), ready(10), 900, (second) => 35 + 35 * Math.min(1, second / 600));
    const replicas = decisions.map((d) => d.decision.replicas);
    expect(decisions.every((d) => d.decision.mode === 'stable')).toBe(true);
    expect(replicas.every((r, i) => i === 0 || r >= replicas[i - 1]!)).toBe(true);
    expect(replicas.at(-1)).toBe(20);
  });

  it('reports what it measured', () => {
    const window = load(emptyWindow, 0, 60, 7, 3);
    expect(decide(spec(), window, ready(2), s(59)).inputs).toEqual({
      stableConcurrency: 7,
      panicConcurrency: 7,
      stableRps: 3,
      panicRps: 3,
      desiredStable: 2,
      desiredPanic: 2,
      readyPods: 2,
      waiting: 0,
      sinceLastRequestMs: 0,
    });
  });
});

describe('decide in panic mode', () => {
  // given 2 pods for 7 in-flight requests, then 48 for the last 6 s (2 × capacity is 7)
  const spiked = load(load(emptyWindow, 0, 54, 7), 54, 60, 48);

  it('enters panic within one decision and scales up at once', () => {
    const decision = decide(spec(), spiked, ready(2), s(59));
    expect(decision).toMatchObject({ replicas: 14, changed: true, mode: 'panic' });
    expect(decision.state).toMatchObject({ mode: 'panic', panicSince: s(59), maxPanicPods: 14 });
    expect(decision.reason).toBe('panic: 6s avg concurrency 48.0 ≥ 2× capacity of 2 pods (3.5 each) → 14 pods');
  });

  it('never scales down while panicking and leaves a full stable window after the last spike', () => {
    // given 7, then 48 for 12 s, then 7 again; pods are ready as soon as asked for
    const decisions = simulate(spec(), ready(2), 200, (second) => (second >= 60 && second < 72 ? 48 : 7));
    const panicking = decisions.filter((d) => d.decision.mode === 'panic');
    const replicas = panicking.map((d) => d.decision.replicas);
    expect(replicas.every((r, i) => i === 0 || r >= replicas[i - 1]!)).toBe(true);
    expect(panicking[0]?.at).toBe(s(60)); // the first decision that sees the spike
    // the last crossing was at 62 s (8 asked of 4 ready); panic ends exactly 60 s later
    const lastPanicSince = panicking.at(-1)?.decision.state.panicSince;
    expect(lastPanicSince).toBe(s(62));
    const calm = decisions.find((d) => d.at > s(62) && d.decision.mode === 'stable');
    expect(calm?.at).toBe(s(122));
    expect(calm?.decision.replicas).toBe(7);
    expect(calm?.decision.reason).toBe(
      'panic over (60s without a spike); stable: 60s avg concurrency 13.2 / 3.5 per pod → 4 pods; scale-down limited to ÷2 of 14 ready → 7',
    );
  });

  it.each([
    ['stays in panic 1 ms before a full stable window', s(69.999), 'panic', 14],
    ['leaves panic once a full stable window has passed', s(70), 'stable', 7],
  ])('%s', (_what, now, mode, replicas) => {
    // given panic since 10 s with 14 pods, and calm (3.5 in flight) ever since
    const state = ready(14, { mode: 'panic', panicSince: s(10), maxPanicPods: 14 });
    const decision = decide(spec(), load(emptyWindow, 0, 71, 3.5), state, now);
    expect(decision.mode).toBe(mode);
    expect(decision.replicas).toBe(replicas);
  });

  it('restarts the panic clock when the threshold is crossed again', () => {
    // given panic since 0 s with 4 pods, and a new spike to 28 in flight (8 pods ≥ 2 × 4)
    const state = ready(4, { mode: 'panic', panicSince: 0, maxPanicPods: 4 });
    const decision = decide(spec(), load(load(emptyWindow, 0, 24, 1), 24, 30, 28), state, s(29));
    expect(decision.state).toMatchObject({ mode: 'panic', panicSince: s(29), maxPanicPods: 8 });
    // then 60 s after the first crossing it is still panicking
    const later = decide(spec(), load(emptyWindow, 30, 62, 1), { ...decision.state, readyPods: 8 }, s(61));
    expect(later).toMatchObject({ mode: 'panic', replicas: 8 });
    expect(later.reason).toMatch(/^panic: holding 8 pods until 60s after the last spike \(32s ago\)/);
  });

  it('holds pods still starting when it enters panic', () => {
    // given 10 pods wanted but only 2 ready, and a spike asking for 5 (≥ 2 × 2)
    const decision = decide(spec(), load(emptyWindow, 0, 6, 17.5), ready(10, { readyPods: 2 }), s(5));
    expect(decision).toMatchObject({ mode: 'panic', replicas: 10 });
  });
});

describe('decide within rate limits', () => {
  // given a trickle: 0.5 in flight on average, one request a second
  const trickle = load(emptyWindow, 0, 60, 0.5);

  it.each([
    [10, 5],
    [3, 2],
    [1, 1],
  ])('scales %i ready pods down to no fewer than half of them (%i)', (pods, expected) => {
    expect(decide(spec({ min: 0 }), trickle, ready(pods), s(59)).replicas).toBe(expected);
  });

  it('says when the scale-down limit held pods back', () => {
    expect(decide(spec(), trickle, ready(10), s(59)).reason).toBe(
      'stable: 60s avg concurrency 0.5 / 3.5 per pod → 1 pod; scale-down limited to ÷2 of 10 ready → 5',
    );
  });

  it.each([
    ['×2 of 3 ready', 2, 3, 70, 6],
    ['×1000 of 1 ready', 1000, 1, 7000, 1000],
    ['×1000 of 0 ready, counted as 1', 1000, 0, 7000, 1000],
  ])('caps scale-up at %s', (_what, maxScaleUpRate, pods, concurrency, expected) => {
    const decision = decide(spec({ max: 5000, maxScaleUpRate }), load(emptyWindow, 0, 60, concurrency), ready(pods), s(59));
    expect(decision.replicas).toBe(expected);
    expect(decision.reason).toContain(`scale-up limited to ×${maxScaleUpRate} of ${Math.max(pods, 1)} pod`);
  });
});

describe('decide within bounds', () => {
  it.each([
    ['raises to min', { min: 3 }, load(emptyWindow, 0, 60, 0.5), ready(3), 3, 'raised to min 3'],
    ['caps at max', { max: 4 }, load(emptyWindow, 0, 60, 35), ready(4), 4, 'capped at max 4'],
    ['caps a panic at max', { max: 4 }, load(emptyWindow, 0, 60, 350), ready(2), 4, 'capped at max 4'],
    ['keeps min over scale to zero', { min: 2 }, load(emptyWindow, 0, 1, 1), ready(2), 2, 'raised to min 2'],
  ])('%s', (_what, overrides, window, state, expected, inReason) => {
    const decision = decide(spec(overrides), window, state, s(59));
    expect(decision.replicas).toBe(expected);
    expect(decision.reason).toContain(inReason);
  });

  it('lets max win over a crowd waiting at zero', () => {
    expect(
      decide(spec({ min: 0, max: 10 }), addSample(emptyWindow, { at: s(1), concurrency: 0, requests: 0, waiting: 500 }, 60_000), ready(0), s(1)).replicas,
    ).toBe(10);
  });
});
