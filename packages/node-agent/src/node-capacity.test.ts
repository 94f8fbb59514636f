import { describe, expect, it } from 'vitest';
import { defaultNodeCapacity } from './node-capacity.js';

const machine = { memoryBytes: 24 * 1024 ** 3, cores: 2 };

describe('defaultNodeCapacity', () => {
  it('gives one node 75 % of the memory and 4× the cores in CPU requests', () => {
    expect(defaultNodeCapacity(1, machine)).toEqual({ memoryMb: 18432, cpuMilli: 8000, pods: 110 });
  });

  it('shares the machine between the nodes that run on it: three nodes add up to one', () => {
    const each = defaultNodeCapacity(3, machine);
    expect(each).toEqual({ memoryMb: 6144, cpuMilli: 2666, pods: 36 });
    expect(3 * each.memoryMb).toBeLessThanOrEqual(defaultNodeCapacity(1, machine).memoryMb);
    expect(3 * each.cpuMilli).toBeLessThanOrEqual(defaultNodeCapacity(1, machine).cpuMilli);
  });
});
