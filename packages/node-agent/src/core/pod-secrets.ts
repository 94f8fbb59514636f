import { plainEnvOf, takesSecrets, unmetSecretRefs, type ClusterState, type Pod } from '@tide/core';

/**
 * What a node does about a pod's secrets before starting it: nothing (it takes none), wait (the
 * log lacks a secret or key it needs, said as Kubernetes says it), or ask a control plane for the
 * opened values. The node can tell the first two without opening anything: key names are in its state.
 */
export type PodSecretsStep = { step: 'none' } | { step: 'wait'; reason: string } | { step: 'fetch' };

export function podSecretsStep(state: ClusterState, pod: Pod): PodSecretsStep {
  if (!takesSecrets(pod.spec)) return { step: 'none' };
  const unmet = unmetSecretRefs(state.secrets, pod.metadata.namespace, pod.spec);
  return unmet.length ? { step: 'wait', reason: secretConfigError(unmet.join('; ')) } : { step: 'fetch' };
}

/** Kubernetes' reason for a container whose env names a secret or key that is not there. */
export function secretConfigError(why: string): string {
  return `CreateContainerConfigError: ${why}`.slice(0, 2048);
}

/**
 * A pod's env from its spec and its secrets: the values the control plane opened (envFrom and
 * secretKeyRefs, already in their order) under the function's plain env vars. A plain var and a
 * secretKeyRef cannot share a name (one map), so this is Kubernetes' order: env over envFrom.
 */
export function envWithSecrets(env: Pod['spec']['env'], secretEnv: Record<string, string> | undefined): Record<string, string> {
  const plain = plainEnvOf(env);
  return secretEnv === undefined ? plain : { ...secretEnv, ...plain };
}
