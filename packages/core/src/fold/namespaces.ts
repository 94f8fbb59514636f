import type { EventOf } from '../events.js';
import type { ClusterState } from '../state.js';
import { rejected } from '../state.js';
import { API_VERSION } from '../resources/meta.js';
import { newMeta, type FoldContext, type HandlerResult, changedMeta } from './context.js';

export function namespaceApplied(state: ClusterState, event: EventOf<'NamespaceApplied'>, ctx: FoldContext): HandlerResult {
  const { name, labels, annotations, quota } = event.data;
  const existing = state.namespaces.get(name);
  const metadata = existing ? changedMeta({ ...existing.metadata, labels, annotations }, ctx) : newMeta(ctx, name, undefined, labels, annotations);
  return {
    state: { ...state, namespaces: state.namespaces.set(name, { apiVersion: API_VERSION, kind: 'Namespace', metadata, spec: quota ? { quota } : {} }) },
  };
}

/**
 * Deleting a namespace deletes its functions, revisions and triggers; the controllers then remove
 * their pods. (Before rules version 3 there are no triggers to delete, so every version may share this.)
 */
export function namespaceDeleted(state: ClusterState, event: EventOf<'NamespaceDeleted'>): HandlerResult {
  const { name } = event.data;
  if (!state.namespaces.has(name)) return { rejected: rejected('not-found', `namespace ${name} not found`) };
  const inNamespace = (key: string) => key.startsWith(`${name}/`);
  return {
    state: {
      ...state,
      namespaces: state.namespaces.delete(name),
      functions: state.functions.filter((_, key) => !inNamespace(key)),
      revisions: state.revisions.filter((_, key) => !inNamespace(key)),
      triggers: state.triggers.filter((_, key) => !inNamespace(key)),
      // Secrets exist only under rules 4 and later, so for older versions this changes nothing.
      secrets: state.secrets.filter((_, key) => !inNamespace(key)),
    },
  };
}
