import type { ScorePlugin } from '../framework.js';

/**
 * More memory and cpu left free after placing the pod scores higher (the mean of both fractions):
 * 4096 MB / 4000m node with 1024 MB and 1000m used, pod 1024 MB 1000m → (0.5 + 0.5) / 2 = 0.5.
 */
export const leastAllocated: ScorePlugin = {
  name: 'least-allocated',
  score(pod, node, ctx) {
    const used = ctx.usageOf(node.metadata.name);
    const { capacity } = node.spec;
    const freeMemory = (capacity.memoryMb - used.memoryMb - pod.spec.resources.memoryMb) / capacity.memoryMb;
    const freeCpu = (capacity.cpuMilli - used.cpuMilli - pod.spec.resources.cpuMilli) / capacity.cpuMilli;
    return (freeMemory + freeCpu) / 2;
  },
  prepare(pod, { table: { capacity }, used }) {
    const asked = pod.spec.resources;
    // The same arithmetic as `score`, in the same order, so both give the very same number.
    return (i) => {
      const freeMemory = (capacity.memoryMb[i]! - used.memoryMb[i]! - asked.memoryMb) / capacity.memoryMb[i]!;
      const freeCpu = (capacity.cpuMilli[i]! - used.cpuMilli[i]! - asked.cpuMilli) / capacity.cpuMilli[i]!;
      return (freeMemory + freeCpu) / 2;
    };
  },
};
