import { describe, expect, it } from 'vitest';
import { axisScale, formatTick, logTicks, niceTicks } from './chart-scale.js';

describe('niceTicks', () => {
  it.each([
    [0, 37, 6, [0, 10, 20, 30, 40]],
    [0, 20, 6, [0, 5, 10, 15, 20]],
    [0, 1, 6, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, 130, 6, [0, 50, 100, 150]],
    [0, 31.5, 10, [0, 5, 10, 15, 20, 25, 30, 35]],
  ])('covers %d..%d in about %d steps of 1, 2 or 5 × 10^k', (min, max, count, expected) => {
    expect(niceTicks(min, max, count)).toEqual(expected);
  });

  it('survives an empty range', () => {
    expect(niceTicks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('logTicks', () => {
  it('runs 1, 2, 5 per decade from the decade below the minimum to the one above the maximum', () => {
    expect(logTicks(40, 2_300)).toEqual([10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000]);
  });
});

describe('axisScale', () => {
  it('starts a linear axis at 0, ends it on a nice tick above the data, and maps the ends to the pixel range', () => {
    const scale = axisScale([3, 17, Number.NaN], 'linear');
    expect(scale.min).toBe(0);
    expect(scale.max).toBeGreaterThanOrEqual(17);
    expect(scale.ticks.at(-1)).toBe(scale.max);
    expect(scale.toPixel(0, 400, 100)).toBe(400);
    expect(scale.toPixel(scale.max, 400, 100)).toBe(100);
    expect(scale.toPixel(scale.max / 2, 400, 100)).toBe(250);
  });

  it('puts each decade the same distance apart on a log axis', () => {
    const scale = axisScale([50, 5_000], 'log');
    expect([scale.min, scale.max]).toEqual([10, 10_000]);
    const at = (v: number) => scale.toPixel(v, 0, 300);
    expect(at(10)).toBeCloseTo(0);
    expect(at(100)).toBeCloseTo(100);
    expect(at(1_000)).toBeCloseTo(200);
    expect(at(10_000)).toBeCloseTo(300);
  });
});

describe('formatTick', () => {
  it.each([
    [5, '5'],
    [0.2, '0.2'],
    [1_500, '1.5k'],
    [20_000, '20k'],
  ])('writes %d as %s', (value, text) => {
    expect(formatTick(value)).toBe(text);
  });
});
