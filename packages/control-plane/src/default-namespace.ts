import { startReconcileLoop, type EventInput, type ReconcileLoop, type StateStore } from '@tide/core';

const DEFAULT_NAMESPACE: EventInput = { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} }, expect: null };

/** Creates the `default` namespace on a fresh log (a lost race with another control plane is fine). */
export async function ensureDefaultNamespace(store: StateStore): Promise<void> {
  if (store.state().namespaces.has('default')) return;
  const [bootstrap] = await store.append([DEFAULT_NAMESPACE]);
  if (!bootstrap!.verdict.accepted && bootstrap!.verdict.code !== 'already-exists')
    throw new Error(`cannot create the default namespace: ${bootstrap!.verdict.reason}`);
}

/**
 * Creates `default` again whenever the log lacks it, as Kubernetes keeps its default namespace: a
 * Kafka cluster that lost its data starts empty, and a deleted `default` comes back.
 */
export function keepDefaultNamespace(store: StateStore, onError: (error: Error) => void): ReconcileLoop {
  return startReconcileLoop(store, { name: 'default namespace', onError, reconcile: (state) => (state.namespaces.has('default') ? [] : [DEFAULT_NAMESPACE]) });
}
