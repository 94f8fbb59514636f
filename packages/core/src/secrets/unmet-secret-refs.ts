import { keyOf } from '../resources/meta.js';
import { secretKeyRefsOf, type FunctionEnv } from '../resources/function-env.js';
import type { Secret } from '../resources/secret.js';

/** What a pod names from secrets: the secrets of its envFrom, and its env vars' secretKeyRefs. */
export interface SecretConsumer {
  env: FunctionEnv;
  envFrom?: readonly { secretRef: string }[] | undefined;
}

/**
 * Why a pod cannot have its env yet, one reason per secret or key it needs that the log does not
 * hold, in Kubernetes' words (its CreateContainerConfigError); empty when it can. Key names are
 * in the fold's state, so a node can tell without opening anything. An optional secretKeyRef
 * (secret or key absent) needs nothing: the variable is left out.
 */
export function unmetSecretRefs(secrets: ReadonlyMap<string, Pick<Secret, 'data'>>, namespace: string, spec: SecretConsumer): string[] {
  const lacking = new Set<string>();
  const reasons: string[] = [];
  const secretNotFound = (name: string) => {
    if (lacking.has(name)) return;
    lacking.add(name);
    reasons.push(`secret "${name}" not found`);
  };
  for (const { secretRef } of spec.envFrom ?? []) if (!secrets.has(keyOf(namespace, secretRef))) secretNotFound(secretRef);
  for (const ref of secretKeyRefsOf(spec.env)) {
    if (ref.optional) continue;
    const secret = secrets.get(keyOf(namespace, ref.secret));
    if (!secret) secretNotFound(ref.secret);
    else if (!Object.hasOwn(secret.data, ref.key)) reasons.push(`couldn't find key ${ref.key} in Secret ${namespace}/${ref.secret}`);
  }
  return reasons;
}
