import { describe, expect, it } from 'vitest';
import { withDefaults } from './autoscaler-spec.js';
import { decide } from './decide.js';
import { addSample, emptyWindow, type MetricWindow, type Sample } from './metric-window.js';
import { initialScalerState } from './scaler-state.js';

const s = (seconds: number) => seconds * 1000;
/** The same report every second for the first 60 s. */
const minute = (sample: Omit<Sample, 'at'>): MetricWindow =>
  Array.from({ length: 60 }, (_, i) => ({ ...sample, at: s(i) })).reduce((w, x) => addSample(w, x, 60_000), emptyWindow);

describe('decide with the rps metric', () => {
  // target 10 req/s × 0.7 → 7 req/s per pod
  const rps = withDefaults({ min: 1, max: 50, target: 10, metric: 'rps' });

  it.each([
    [70, 0.5, 10],
    [7, 30, 1],
    [140, 1, 20],
  ])('turns %i req/s into pods whatever the concurrency (%f) → %i', (requests, concurrency, expected) => {
    const decision = decide(rps, minute({ concurrency, requests }), initialScalerState(expected), s(59));
    expect(decision).toMatchObject({ replicas: expected, changed: false, mode: 'stable' });
  });

  it('panics on a request spike', () => {
    // given 2 pods at 14 req/s, then 100 req/s for 6 s: 15 pods ≥ 2 × 2
    let window = minute({ concurrency: 1, requests: 14 });
    for (let i = 60; i < 66; i += 1) window = addSample(window, { at: s(i), concurrency: 1, requests: 100 }, 60_000);
    const decision = decide(rps, window, initialScalerState(2), s(65));
    expect(decision).toMatchObject({ mode: 'panic', replicas: 15 });
    expect(decision.reason).toBe('panic: 6s avg 100.0 req/s ≥ 2× capacity of 2 pods (7.0 each) → 15 pods');
  });
});

describe('decide with the cpu metric (HPA)', () => {
  // target 70% of a 250m request → 175m per pod
  const cpu = withDefaults({ min: 1, max: 10, target: 1, metric: 'cpu', cpuPerPodMilli: 250 });

  it.each([
    ['scales up when pods run hot', 2, 180, 3],
    ['scales down when pods idle', 4, 100, 3],
    ['stays when on target', 4, 175, 4],
    ['never scales down more than half', 8, 10, 4],
  ])('%s: %i pods at %im', (_what, pods, cpuMilli, expected) => {
    const decision = decide(cpu, minute({ concurrency: 1, requests: 1, cpuMilli }), initialScalerState(pods), s(59));
    expect(decision.replicas).toBe(expected);
    expect(decision.inputs.cpuMilliPerPod).toBe(cpuMilli);
  });

  it('explains the HPA formula', () => {
    expect(decide(cpu, minute({ concurrency: 1, requests: 1, cpuMilli: 180 }), initialScalerState(2), s(59)).reason).toBe(
      'cpu: 60s avg 180m per pod × 2 ready / 175m target (70% of 250m) → 3 pods',
    );
  });

  it('holds its replicas when no CPU was measured', () => {
    const decision = decide(cpu, minute({ concurrency: 1, requests: 1 }), initialScalerState(3), s(59));
    expect(decision).toMatchObject({ replicas: 3, changed: false, reason: 'cpu: nothing measured in 60s (3 ready), holding 3 pods' });
  });

  it('never panics, however hot the pods', () => {
    let window = minute({ concurrency: 1, requests: 1, cpuMilli: 100 });
    for (let i = 60; i < 66; i += 1) window = addSample(window, { at: s(i), concurrency: 500, requests: 500, cpuMilli: 5000 }, 60_000);
    expect(decide(cpu, window, initialScalerState(2), s(65)).mode).toBe('stable');
  });
});
