import {
  keyOf,
  openSealed,
  sealContext,
  sealedBytes,
  secretKeyRefsOf,
  unmetSecretRefs,
  type ClusterState,
  type Pod,
  type Secret,
  type SecretKeyring,
} from '@tide/core';

/**
 * A Secret as the API shows it, as `kubectl describe secret` does: its key names and their sizes
 * in bytes, never a value and never the sealed form (whose key ids and lengths are the fold's business).
 */
export function shownSecret(secret: Secret) {
  const keys = Object.fromEntries(
    Object.entries(secret.data)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, sealed]) => [key, sealedBytes(sealed)]),
  );
  return { apiVersion: secret.apiVersion, kind: secret.kind, metadata: secret.metadata, type: secret.type, keys };
}

/** The values of a secret, or why one cannot be opened (a key this control plane lacks, or tampering). */
export function openSecret(keyring: SecretKeyring, secret: Secret): { ok: true; values: Record<string, string> } | { ok: false; reason: string } {
  const values: Record<string, string> = {};
  const { namespace = '', name } = secret.metadata;
  for (const [key, sealed] of Object.entries(secret.data)) {
    const opened = openSealed(keyring, sealContext(namespace, name, key), sealed);
    if (!opened.ok) return { ok: false, reason: `secret ${namespace}/${name} key ${key} cannot be opened: ${opened.reason}` };
    values[key] = opened.value;
  }
  return { ok: true, values };
}

export type PodSecretEnv =
  | { outcome: 'ok'; env: Record<string, string> }
  /** Kubernetes' CreateContainerConfigError: the pod waits until the secrets (and keys) exist. */
  | { outcome: 'missing'; reasons: string[] }
  | { outcome: 'unopenable'; reason: string };

/**
 * The environment a pod's secrets give it: envFrom in order (a later secret's key wins over an
 * earlier one's, as Kubernetes does), then each env var's secretKeyRef, which wins over envFrom
 * as any env entry does; the function's plain env wins over both, on the node. An optional
 * secretKeyRef whose secret or key is absent gives no variable. Only the keys named are opened.
 */
export function podSecretEnv(state: ClusterState, keyring: SecretKeyring, pod: Pod): PodSecretEnv {
  const namespace = pod.metadata.namespace;
  const unmet = unmetSecretRefs(state.secrets, namespace, pod.spec);
  if (unmet.length) return { outcome: 'missing', reasons: unmet };
  let env: Record<string, string> = {};
  for (const { secretRef } of pod.spec.envFrom ?? []) {
    const opened = openSecret(keyring, state.secrets.get(keyOf(namespace, secretRef))!);
    if (!opened.ok) return { outcome: 'unopenable', reason: opened.reason };
    env = { ...env, ...opened.values };
  }
  for (const ref of secretKeyRefsOf(pod.spec.env)) {
    const data = state.secrets.get(keyOf(namespace, ref.secret))?.data;
    // Optional, and absent: unmetSecretRefs let nothing else through. (Own keys only: not "constructor".)
    const sealed = data && Object.hasOwn(data, ref.key) ? data[ref.key] : undefined;
    if (!sealed) continue;
    const opened = openSealed(keyring, sealContext(namespace, ref.secret, ref.key), sealed);
    if (!opened.ok) return { outcome: 'unopenable', reason: `secret ${namespace}/${ref.secret} key ${ref.key} cannot be opened: ${opened.reason}` };
    env = { ...env, [ref.env]: opened.value };
  }
  return { outcome: 'ok', env };
}

/** Secrets sealed (in part) with another key than the current one: what a re-encryption re-seals. */
export function secretsToReseal(state: ClusterState, keyring: SecretKeyring): Secret[] {
  return [...state.secrets.values()].filter((secret) => Object.values(secret.data).some((sealed) => sealed.keyId !== keyring.current.id));
}

/**
 * One line per key id the log's secrets are sealed with that the keyring lacks: said at start, so
 * an operator who lost or forgot a key (TIDE_SECRET_KEY_PREVIOUS) hears of it before a pod fails.
 */
export function unopenableSecrets(state: ClusterState, keyring: SecretKeyring): string[] {
  const known = new Set([keyring.current.id, ...keyring.previous.map((k) => k.id)]);
  const byKey = new Map<string, string[]>();
  for (const secret of state.secrets.values())
    for (const sealed of new Set(Object.values(secret.data).map((v) => v.keyId)))
      if (!known.has(sealed)) byKey.set(sealed, [...(byKey.get(sealed) ?? []), keyOf(secret.metadata.namespace, secret.metadata.name)]);
  return [...byKey].map(
    ([keyId, secrets]) =>
      `${secrets.length} secret(s) are sealed with key ${keyId}, which this control plane does not have: ${secrets.slice(0, 10).join(', ')} ` +
      '(pods naming them fail until the key is given, as TIDE_SECRET_KEY or TIDE_SECRET_KEY_PREVIOUS)',
  );
}
