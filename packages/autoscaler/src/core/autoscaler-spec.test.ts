import { describe, expect, it } from 'vitest';
import { AutoscalerSpecError, windowKeepMs, withDefaults, type AutoscalerSpecInput } from './autoscaler-spec.js';

describe('withDefaults', () => {
  it('fills in the Knative defaults', () => {
    expect(withDefaults({ min: 0, max: 20, target: 10 })).toEqual({
      min: 0,
      max: 20,
      target: 10,
      metric: 'concurrency',
      targetUtilization: 0.7,
      stableWindowMs: 60_000,
      panicWindowMs: 6_000,
      panicThreshold: 2,
      maxScaleUpRate: 1000,
      maxScaleDownRate: 2,
      scaleToZeroAfterMs: 30_000,
      cpuTargetPercent: 70,
    });
  });

  it('keeps what is given and ignores fields given as undefined', () => {
    const spec = withDefaults({ min: 1, max: 5, target: 2, stableWindowMs: 30_000, panicWindowMs: undefined });
    expect(spec).toMatchObject({ stableWindowMs: 30_000, panicWindowMs: 6_000 });
  });

  it.each<[keyof AutoscalerSpecInput, Partial<AutoscalerSpecInput>]>([
    ['min', { min: -1 }],
    ['min', { min: 6 }],
    ['max', { max: 2.5 }],
    ['target', { target: 0 }],
    ['targetUtilization', { targetUtilization: 1.5 }],
    ['panicWindowMs', { panicWindowMs: 120_000 }],
    ['panicThreshold', { panicThreshold: 0.5 }],
    ['maxScaleDownRate', { maxScaleDownRate: 1 }],
    ['scaleToZeroAfterMs', { scaleToZeroAfterMs: Number.NaN }],
    ['cpuPerPodMilli', { metric: 'cpu' }],
  ])('rejects a bad %s, naming the field', (field, bad) => {
    const build = () => withDefaults({ min: 1, max: 5, target: 2, ...bad });
    expect(build).toThrow(AutoscalerSpecError);
    expect(build).toThrow(expect.objectContaining({ field }));
  });

  it('keeps samples as long as the longest span decide looks at', () => {
    expect(windowKeepMs(withDefaults({ min: 0, max: 1, target: 1 }))).toBe(60_000);
    expect(windowKeepMs(withDefaults({ min: 0, max: 1, target: 1, scaleToZeroAfterMs: 300_000 }))).toBe(300_000);
  });
});
