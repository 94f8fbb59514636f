import type { EventOf } from '../events.js';
import type { ClusterState } from '../state.js';
import { rejected } from '../state.js';
import { API_VERSION } from '../resources/meta.js';
import { newMeta, without, type FoldContext, type HandlerResult } from './context.js';

export function namespaceApplied(state: ClusterState, event: EventOf<'NamespaceApplied'>, ctx: FoldContext): HandlerResult {
  const { name, labels, annotations } = event.data;
  const existing = state.namespaces[name];
  const metadata = existing
    ? { ...existing.metadata, labels, annotations, resourceVersion: String(ctx.offset) }
    : newMeta(ctx, name, undefined, labels, annotations);
  return { state: { ...state, namespaces: { ...state.namespaces, [name]: { apiVersion: API_VERSION, kind: 'Namespace', metadata, spec: {} } } } };
}

/** Deleting a namespace deletes its functions and revisions; the controllers then remove their pods. */
export function namespaceDeleted(state: ClusterState, event: EventOf<'NamespaceDeleted'>): HandlerResult {
  const { name } = event.data;
  if (!state.namespaces[name]) return { rejected: rejected('not-found', `namespace ${name} not found`) };
  const inNamespace = (key: string) => key.startsWith(`${name}/`);
  const keep = <T>(map: Readonly<Record<string, T>>) => Object.fromEntries(Object.entries(map).filter(([key]) => !inNamespace(key)));
  return {
    state: {
      ...state,
      namespaces: without(state.namespaces, name),
      functions: keep(state.functions),
      revisions: keep(state.revisions),
    },
  };
}
