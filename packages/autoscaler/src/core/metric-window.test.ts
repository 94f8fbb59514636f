import { describe, expect, it } from 'vitest';
import {
  addSample,
  averageConcurrency,
  averageCpuMilli,
  emptyWindow,
  InvalidSampleError,
  lastRequestAt,
  requestsPerSecond,
  waitingAt,
  type MetricWindow,
  type Sample,
} from './metric-window.js';

const keepMs = 60_000;
const add = (window: MetricWindow, ...samples: Sample[]) => samples.reduce((w, s) => addSample(w, s, keepMs), window);
/** One sample per second from fromS to toS (exclusive). */
const seconds = (fromS: number, toS: number, concurrency: number, requests = 1): Sample[] =>
  Array.from({ length: toS - fromS }, (_, i) => ({ at: (fromS + i) * 1000, concurrency, requests }));

describe('metric window', () => {
  it('sums the reports of several gateways for the same second', () => {
    // given two gateways reporting the same second
    const window = add(emptyWindow, { at: 5_100, concurrency: 3, requests: 10 }, { at: 5_900, concurrency: 4, requests: 5 });
    // then they make one bucket
    expect(window.buckets).toEqual([{ second: 5, concurrency: 7, requests: 15, cpuMilliSum: 0, cpuReports: 0 }]);
    expect(averageConcurrency(window, 5_999, 1_000)).toBe(7);
    expect(requestsPerSecond(window, 5_999, 1_000)).toBe(15);
  });

  it('averages CPU reports of one second instead of adding them (CPU is per pod)', () => {
    const window = add(emptyWindow, { at: 1_000, concurrency: 0, requests: 0, cpuMilli: 100 }, { at: 1_500, concurrency: 0, requests: 0, cpuMilli: 300 });
    expect(averageCpuMilli(window, 1_000, 60_000)).toBe(200);
  });

  it.each([
    ['a second nobody reported counts as zero load', [...seconds(0, 1, 10), ...seconds(2, 3, 10)], 2_000, 3_000, 20 / 3],
    ['a brand-new function is averaged only since its first sample', seconds(100, 103, 10), 102_000, 60_000, 10],
    ['a long-lived function is averaged over the whole span', seconds(0, 120, 10), 119_000, 6_000, 10],
    ['samples after now are not counted', seconds(0, 10, 10), 4_000, 60_000, 10],
    ['nothing recorded is no load', [], 10_000, 60_000, 0],
  ])('%s', (_what, samples, now, spanMs, expected) => {
    expect(averageConcurrency(add(emptyWindow, ...samples), now, spanMs)).toBeCloseTo(expected, 9);
  });

  it('counts requests per second over the span', () => {
    const window = add(emptyWindow, ...seconds(0, 60, 1, 30));
    expect(requestsPerSecond(window, 59_000, 60_000)).toBe(30);
    expect(requestsPerSecond(window, 89_000, 60_000)).toBe(15); // half the span had no requests
  });

  it('drops buckets older than keepMs behind the newest sample', () => {
    const window = seconds(0, 10, 1).reduce((w, s) => addSample(w, s, 5_000), emptyWindow);
    expect(window.buckets.map((b) => b.second)).toEqual([5, 6, 7, 8, 9]);
    // a report that arrives too late to be kept changes no bucket
    expect(addSample(window, { at: 1_000, concurrency: 50, requests: 0 }, 5_000).buckets).toEqual(window.buckets);
  });

  it('starts afresh after a gap longer than keepMs, so old time does not dilute new load', () => {
    const before = seconds(0, 3, 1).reduce((w, s) => addSample(w, s, 5_000), emptyWindow);
    const after = addSample(before, { at: 20_000, concurrency: 8, requests: 1 }, 5_000);
    expect(after.startedAt).toBe(20_000);
    expect(averageConcurrency(after, 20_000, 60_000)).toBe(8);
  });

  it('keeps buckets in time order when a report arrives late', () => {
    const window = add(emptyWindow, { at: 3_000, concurrency: 1, requests: 1 }, { at: 1_000, concurrency: 2, requests: 1 });
    expect(window.buckets.map((b) => b.second)).toEqual([1, 3]);
    expect(window.startedAt).toBe(1_000);
  });

  it('remembers the last request even after its bucket is dropped', () => {
    const window = add(emptyWindow, { at: 1_000, concurrency: 1, requests: 1 }, { at: 2_000, concurrency: 1, requests: 0 });
    expect(lastRequestAt(window)).toBe(1_000);
    const later = addSample(window, { at: 100_000, concurrency: 0, requests: 0 }, 5_000);
    expect(later.buckets.map((b) => b.second)).toEqual([100]);
    expect(lastRequestAt(later)).toBe(1_000);
    expect(lastRequestAt(emptyWindow)).toBeUndefined();
  });

  it('never changes the window it is given', () => {
    const window = add(emptyWindow, ...seconds(0, 5, 2));
    const copy = structuredClone(window);
    addSample(window, { at: 4_500, concurrency: 9, requests: 9 }, 2_000);
    expect(window).toEqual(copy);
    expect(emptyWindow).toEqual({ buckets: [] });
  });

  it('has no CPU average when no CPU was reported', () => {
    expect(averageCpuMilli(add(emptyWindow, ...seconds(0, 5, 2)), 4_000, 60_000)).toBeUndefined();
  });

  it.each([
    ['concurrency', { at: 0, concurrency: -1, requests: 0 }],
    ['requests', { at: 0, concurrency: 0, requests: Number.NaN }],
    ['cpuMilli', { at: 0, concurrency: 0, requests: 0, cpuMilli: Number.POSITIVE_INFINITY }],
    ['at', { at: Number.NaN, concurrency: 0, requests: 0 }],
  ] as const)('rejects a sample with a bad %s, naming it', (field, sample) => {
    expect(() => addSample(emptyWindow, sample, keepMs)).toThrow(InvalidSampleError);
    expect(() => addSample(emptyWindow, sample, keepMs)).toThrow(expect.objectContaining({ field }));
  });

  describe('waiting requests: a level each gateway reports, true only while it is fresh', () => {
    it('counts what a gateway reported waiting a moment ago', () => {
      const window = add(emptyWindow, { at: 10_000, concurrency: 0, requests: 1, waiting: 6, source: 'gw-1' });
      expect(waitingAt(window, 10_500)).toBe(6);
    });

    it('does not count waiting reported before a restart as waiting now (issue 9: 18 min old, 6 waiting)', () => {
      // given a gateway that reported 6 requests waiting, then stopped (tide up was restarted)
      const window = add(emptyWindow, { at: 1_000_000, concurrency: 2, requests: 6, waiting: 6, source: 'gw-old' });
      // then 18 minutes later nobody is waiting
      expect(waitingAt(window, 1_000_000 + 18 * 60_000)).toBe(0);
      // nor is it once the gateway has missed two reports (it reports every second)
      expect(waitingAt(window, 1_000_000 + 2_000)).toBe(0);
      expect(waitingAt(window, 1_000_000 + 1_999)).toBe(6);
    });

    it("replaces a gateway's level with its newer report, and adds up several gateways'", () => {
      const window = add(
        emptyWindow,
        { at: 10_000, concurrency: 0, requests: 1, waiting: 6, source: 'gw-1' },
        { at: 10_200, concurrency: 0, requests: 1, waiting: 2, source: 'gw-2' },
        { at: 11_000, concurrency: 3, requests: 0, waiting: 0, source: 'gw-1' },
        { at: 10_500, concurrency: 0, requests: 0, waiting: 9, source: 'gw-1' }, // late: older than gw-1's newest
      );
      expect(waitingAt(window, 11_000)).toBe(2);
    });

    it('knows of nobody waiting without reports', () => {
      expect(waitingAt(emptyWindow, 1_000)).toBe(0);
    });
  });
});
