import { isolationRefusal, UNSANDBOXED_TENANT } from '@tide/core';
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
  prepare(pod, { table: { nodes } }) {
    const namespace = pod.metadata.namespace;
    // Namespace default's code runs anywhere; no other namespace's answer depends on more than the node.
    if (namespace === UNSANDBOXED_TENANT) return undefined;
    return (i) => isolationRefusal(nodes[i]!.spec.isolation, namespace) === undefined;
  },
};
