import { describe, expect, it } from 'vitest';
import { type EndpointLoad, pickEndpoint } from './pick-endpoint.js';

const pods = (...loads: [inFlight: number, concurrency: number][]): EndpointLoad[] => loads.map(([inFlight, concurrency]) => ({ inFlight, concurrency }));

/** A fixed sequence of "random" numbers, so the two sampled pods are chosen by the test. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] as number;
};

describe('pickEndpoint', () => {
  it('returns -1 when there are no pods', () => {
    expect(pickEndpoint([], Math.random)).toBe(-1);
  });

  it.each([
    ['one pod with room', pods([3, 4]), 0],
    ['one full pod', pods([4, 4]), -1],
    ['two pods: fewer in flight wins', pods([2, 10], [1, 10]), 1],
    ['two pods: a full one is skipped even if it has fewer in flight', pods([1, 1], [5, 10]), 1],
    ['two full pods', pods([1, 1], [2, 2]), -1],
  ])('%s', (_, endpoints, expected) => {
    expect(pickEndpoint(endpoints, Math.random)).toBe(expected);
  });

  it('with more than two pods compares two distinct random samples', () => {
    const endpoints = pods([5, 10], [1, 10], [3, 10], [0, 10]);
    // first = floor(0.3*4) = 1; second = floor(0.3*3) = 0 → pods 1 and 0 → pod 1 (1 < 5).
    expect(pickEndpoint(endpoints, sequence(0.3, 0.3))).toBe(1);
    // first = 0; second = floor(0.0*3) = 0 ≥ first → shifted to 1: never the same pod twice.
    expect(pickEndpoint(endpoints, sequence(0, 0))).toBe(1);
  });

  it('falls back to the least loaded pod with room when both samples are full', () => {
    const endpoints = pods([2, 2], [2, 2], [7, 10], [4, 10]);
    expect(pickEndpoint(endpoints, sequence(0, 0))).toBe(3);
  });

  it('never picks a full pod, whatever the random numbers', () => {
    const endpoints = pods([2, 2], [0, 1], [3, 3], [1, 1], [5, 6]);
    for (let i = 0; i < 200; i++) {
      const picked = pickEndpoint(endpoints, Math.random);
      const pod = endpoints[picked] as EndpointLoad;
      expect(pod.inFlight).toBeLessThan(pod.concurrency);
    }
  });
});
