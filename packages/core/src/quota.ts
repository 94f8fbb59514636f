import type { ClusterState } from './state.js';
import type { FunctionSpec } from './resources/function.js';
import { usageIn, type NamespaceUsage } from './fold/usage.js';

export type { NamespaceUsage };

/**
 * What a namespace's live pods and functions use now (terminating pods no longer count): read
 * from the usage the fold keeps, not counted, so it costs the same however large the cluster.
 */
export function usageOf(state: ClusterState, namespace: string): NamespaceUsage {
  return usageIn(state, namespace);
}

/** Why one more pod of `memoryMb` would break the namespace's quota, or undefined if it fits. */
export function podQuotaViolation(state: ClusterState, namespace: string, memoryMb: number): string | undefined {
  const quota = state.namespaces.get(namespace)?.spec.quota;
  if (!quota) return undefined;
  const used = usageOf(state, namespace);
  if (quota.maxPods !== undefined && used.pods + 1 > quota.maxPods) return `namespace ${namespace} quota maxPods ${quota.maxPods} reached (${used.pods} pods)`;
  if (quota.maxMemoryMb !== undefined && used.memoryMb + memoryMb > quota.maxMemoryMb) {
    return `namespace ${namespace} quota maxMemoryMb ${quota.maxMemoryMb} would be exceeded (${used.memoryMb} MB used, ${memoryMb} MB asked)`;
  }
  return undefined;
}

/**
 * Why applying a function would break its namespace's quota: one function too many, or a minimum
 * scale whose pods could never all run within the pod or memory limits.
 */
export function functionQuotaViolation(
  state: ClusterState,
  namespace: string,
  name: string,
  spec: FunctionSpec,
): { field: string; reason: string } | undefined {
  const quota = state.namespaces.get(namespace)?.spec.quota;
  if (!quota) return undefined;
  const exists = state.functions.has(`${namespace}/${name}`);
  const used = usageOf(state, namespace);
  if (!exists && quota.maxFunctions !== undefined && used.functions + 1 > quota.maxFunctions) {
    return { field: 'metadata.name', reason: `namespace ${namespace} quota maxFunctions ${quota.maxFunctions} reached (${used.functions} functions)` };
  }
  const min = spec.scale.min;
  if (quota.maxPods !== undefined && min > quota.maxPods)
    return { field: 'spec.scale.min', reason: `scale.min ${min} exceeds namespace ${namespace} quota maxPods ${quota.maxPods}` };
  if (quota.maxMemoryMb !== undefined && min * spec.resources.memoryMb > quota.maxMemoryMb) {
    return {
      field: 'spec.scale.min',
      reason: `scale.min ${min} × ${spec.resources.memoryMb} MB exceeds namespace ${namespace} quota maxMemoryMb ${quota.maxMemoryMb}`,
    };
  }
  return undefined;
}
