import { fail, PASS, type FilterPlugin } from '../framework.js';

/** The pod's memory and cpu requests fit in what the node's bound pods leave free. */
export const fitsResources: FilterPlugin = {
  name: 'fits-resources',
  filter(pod, node, ctx) {
    const used = ctx.usageOf(node.metadata.name);
    const { capacity } = node.spec;
    const asked = pod.spec.resources;
    const freeMemoryMb = capacity.memoryMb - used.memoryMb;
    const freeCpuMilli = capacity.cpuMilli - used.cpuMilli;
    if (asked.memoryMb <= freeMemoryMb && asked.cpuMilli <= freeCpuMilli) return PASS;
    const short: string[] = [];
    if (asked.memoryMb > freeMemoryMb) short.push(`insufficient memory (${freeMemoryMb} MB free, ${asked.memoryMb} MB asked)`);
    if (asked.cpuMilli > freeCpuMilli) short.push(`insufficient cpu (${freeCpuMilli}m free, ${asked.cpuMilli}m asked)`);
    return fail(short.join(', '));
  },
  prepare(pod, { table: { capacity }, used }) {
    const asked = pod.spec.resources;
    return (i) => asked.memoryMb <= capacity.memoryMb[i]! - used.memoryMb[i]! && asked.cpuMilli <= capacity.cpuMilli[i]! - used.cpuMilli[i]!;
  },
};
