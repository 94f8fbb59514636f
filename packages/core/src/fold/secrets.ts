import type { EventOf } from '../events.js';
import { rejected, type ClusterState } from '../state.js';
import { API_VERSION, keyOf } from '../resources/meta.js';
import type { Secret } from '../resources/secret.js';
import { newMeta, type FoldContext, type HandlerResult, changedMeta } from './context.js';

/**
 * Creates or replaces a Secret, sealed values and all: the fold cannot open them (it holds no key)
 * and need not; it keeps them for the control plane to open for the pods that name the secret.
 */
export function secretApplied(state: ClusterState, event: EventOf<'SecretApplied'>, ctx: FoldContext): HandlerResult {
  const { namespace, name, labels, annotations, type, data } = event.data;
  if (!state.namespaces.has(namespace)) return { rejected: rejected('not-found', `namespace ${namespace} not found`) };
  const key = keyOf(namespace, name);
  const existing = state.secrets.get(key);
  // Values cannot be compared (each seal draws a new nonce), so every apply is a new generation.
  const metadata = existing
    ? changedMeta({ ...existing.metadata, labels, annotations, generation: existing.metadata.generation + 1 }, ctx)
    : { ...newMeta(ctx, name, namespace, labels, annotations), namespace };
  const secret: Secret = { apiVersion: API_VERSION, kind: 'Secret', metadata, type, data };
  return { state: { ...state, secrets: state.secrets.set(key, secret) } };
}

export function secretDeleted(state: ClusterState, event: EventOf<'SecretDeleted'>): HandlerResult {
  const key = keyOf(event.data.namespace, event.data.name);
  if (!state.secrets.has(key)) return { rejected: rejected('not-found', `secret ${key} not found`) };
  return { state: { ...state, secrets: state.secrets.delete(key) } };
}
