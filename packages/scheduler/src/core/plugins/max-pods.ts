import { fail, PASS, type FilterPlugin } from '../framework.js';

/** A node runs at most `capacity.pods` pods, however small they are. */
export const maxPods: FilterPlugin = {
  name: 'max-pods',
  filter(_pod, node, ctx) {
    const max = node.spec.capacity.pods;
    return ctx.usageOf(node.metadata.name).pods < max ? PASS : fail(`too many pods (${max} max)`);
  },
  prepare(_pod, { table, used }) {
    return (i) => used.pods[i]! < table.capacity.pods[i]!;
  },
};
