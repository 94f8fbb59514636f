import { keyOf, type ClusterState, type Pod } from '@tide/core';

/** The secrets a pod names (envFrom) that the log does not hold (yet): the node can tell without opening any. */
export function missingSecrets(state: ClusterState, pod: Pod): string[] {
  return (pod.spec.envFrom ?? []).map((ref) => ref.secretRef).filter((name) => !state.secrets.has(keyOf(pod.metadata.namespace, name)));
}

/** Kubernetes' reason for a container whose env names a secret that is not there. */
export function secretConfigError(why: string): string {
  return `CreateContainerConfigError: ${why}`.slice(0, 2048);
}

/** What a pod's env names besides its own: its secrets' keys, under the function's env (which wins, as in Kubernetes). */
export function envWithSecrets(env: Record<string, string>, secretEnv: Record<string, string> | undefined): Record<string, string> {
  return secretEnv === undefined ? env : { ...secretEnv, ...env };
}
