import type { Taint, Toleration } from '@tide/core';
import { fail, PASS, type FilterPlugin } from '../framework.js';

/**
 * Every taint of the node (NoSchedule and NoExecute alike) must be tolerated by the pod.
 * A toleration matches a taint with the same key when its effect is absent (tolerates both) or
 * equal, and either its operator is Exists (any value) or it is Equal with the same value.
 */
export const taintToleration: FilterPlugin = {
  name: 'taint-toleration',
  filter(pod, node) {
    for (const taint of node.spec.taints) {
      if (!pod.spec.tolerations.some((t) => tolerates(t, taint))) return fail(`untolerated taint ${describeTaint(taint)}`);
    }
    return PASS;
  },
  prepare(pod, { table }) {
    if (!table.anyTainted) return undefined;
    const { tolerations } = pod.spec;
    return (i) => table.tainted[i] === 0 || table.nodes[i]!.spec.taints.every((taint) => tolerations.some((t) => tolerates(t, taint)));
  },
};

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.key !== taint.key) return false;
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  // An absent value is the empty value, as in Kubernetes: `key` (Equal, no value) matches taint `key:NoSchedule`.
  return toleration.operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
}

function describeTaint(taint: Taint): string {
  return `${taint.key}${taint.value === undefined ? '' : `=${taint.value}`}:${taint.effect}`;
}
