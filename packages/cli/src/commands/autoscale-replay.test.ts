import { describe, expect, it } from 'vitest';
import { parseDuration, parseWhatIf } from './autoscale-replay.js';

describe('what-if settings', () => {
  it.each([
    ['target=20,panicWindow=10s', { target: 20, panicWindowMs: 10_000 }],
    ['stableWindow=2m, scaleToZeroAfter=500ms', { stableWindowMs: 120_000, scaleToZeroAfterMs: 500 }],
    ['maxScaleDownRate=4,metric=rps', { maxScaleDownRate: 4, metric: 'rps' }],
    ['', {}],
  ])('reads %s', (text, expected) => {
    expect(parseWhatIf(text)).toEqual(expected);
  });

  it.each([
    ['target', /must look like key=value/],
    ['speed=3', /unknown setting "speed"/],
    ['target=lots', /not a number/],
    ['panicWindow=soon', /a duration looks like/],
  ])('names what is wrong in %s', (text, message) => {
    expect(() => parseWhatIf(text)).toThrow(message);
  });

  it('reads durations in ms, s and m, and plain numbers as seconds', () => {
    expect([parseDuration('x', '250ms'), parseDuration('x', '6s'), parseDuration('x', '1.5m'), parseDuration('x', '3')]).toEqual([250, 6000, 90_000, 3000]);
  });
});
