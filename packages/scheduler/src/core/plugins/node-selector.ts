import { fail, PASS, type FilterPlugin } from '../framework.js';

/** Every `key: value` of the pod's nodeSelector must be a label of the node. */
export const nodeSelector: FilterPlugin = {
  name: 'node-selector',
  filter(pod, node) {
    const labels = node.metadata.labels;
    const selector = pod.spec.nodeSelector;
    let missing: string[] | undefined;
    // for-in, not Object.entries: this runs for every node of every cycle and should not allocate.
    for (const key in selector) {
      if (labels[key] !== selector[key]) (missing ??= []).push(`${key}=${selector[key]}`);
    }
    return missing ? fail(`node selector not matched (${missing.join(', ')})`) : PASS;
  },
  prepare(pod, { table: { nodes } }) {
    const selector = pod.spec.nodeSelector;
    const keys = Object.keys(selector);
    if (keys.length === 0) return undefined;
    return (i) => {
      const labels = nodes[i]!.metadata.labels;
      for (const key of keys) if (labels[key] !== selector[key]) return false;
      return true;
    };
  },
};
