import { isolationRefusal } from '@tide/core';
import { fail, PASS, type FilterPlugin } from '../framework.js';

/**
 * A node that does not sandbox its pods runs one tenant's code (core's isolationRefusal). The fold
 * rejects a binding this filter would refuse, so it cannot be switched off.
 */
export const podIsolation: FilterPlugin = {
  name: 'pod-isolation',
  filter(pod, node) {
    const refusal = isolationRefusal(node.spec.isolation, pod.metadata.namespace);
    return refusal ? fail(refusal) : PASS;
  },
};
