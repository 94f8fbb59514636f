import { describe, expect, it } from 'vitest';
import { benchPlacements } from './bench.js';

describe('benchPlacements', () => {
  it('places the simulated pods on the simulated nodes and reports a rate', () => {
    const result = benchPlacements({ nodes: 200, pods: 300 });
    expect(result).toMatchObject({ nodes: 200, pods: 300, bound: 300, unschedulable: 0 });
    expect(result.placementsPerSecond).toBeGreaterThan(0);
  });
});
