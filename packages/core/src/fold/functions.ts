import type { EventOf } from '../events.js';
import type { ClusterState } from '../state.js';
import { rejected } from '../state.js';
import { API_VERSION, keyOf } from '../resources/meta.js';
import { revisionTemplateOf, type Revision, type RevisionTemplate, type TideFunction } from '../resources/function.js';
import { canonicalJson, newMeta, without, type FoldContext, type HandlerResult } from './context.js';

function templateOfRevision(revision: Revision): RevisionTemplate {
  const { function: _fn, number: _number, ...template } = revision.spec;
  return template;
}

export function revisionName(functionName: string, number: number): string {
  return `${functionName}-${String(number).padStart(5, '0')}`;
}

/** Applies a Function; a change of its revision template creates the next immutable Revision. */
export function functionApplied(state: ClusterState, event: EventOf<'FunctionApplied'>, ctx: FoldContext): HandlerResult {
  const { namespace, manifest } = event.data;
  const name = manifest.metadata.name;
  if (!state.namespaces[namespace]) return { rejected: rejected('not-found', `namespace ${namespace} not found`) };
  const key = keyOf(namespace, name);
  const existing = state.functions[key];
  const template = revisionTemplateOf(manifest.spec);
  const latest = existing ? state.revisions[keyOf(namespace, existing.status.latestRevision)] : undefined;
  const templateChanged = !latest || canonicalJson(templateOfRevision(latest)) !== canonicalJson(template);
  const specChanged = !existing || canonicalJson(existing.spec) !== canonicalJson(manifest.spec);

  let revisions = state.revisions;
  let status = existing?.status ?? { latestRevision: '', revisionCount: 0 };
  if (templateChanged) {
    const number = status.revisionCount + 1;
    const revName = revisionName(name, number);
    const revision: Revision = {
      apiVersion: API_VERSION,
      kind: 'Revision',
      metadata: { ...newMeta(ctx, revName, namespace, { 'tide.dev/function': name }), namespace },
      spec: { ...template, function: name, number },
    };
    revisions = { ...revisions, [keyOf(namespace, revName)]: revision };
    status = { latestRevision: revName, revisionCount: number };
  }
  const labels = manifest.metadata.labels ?? {};
  const annotations = manifest.metadata.annotations ?? {};
  const metadata = existing
    ? {
        ...existing.metadata,
        labels,
        annotations,
        resourceVersion: String(ctx.offset),
        generation: existing.metadata.generation + (specChanged ? 1 : 0),
      }
    : newMeta(ctx, name, namespace, labels, annotations);
  const fn: TideFunction = { apiVersion: API_VERSION, kind: 'Function', metadata, spec: manifest.spec, status };
  return { state: { ...state, functions: { ...state.functions, [key]: fn }, revisions } };
}

/** Deletes a Function and its Revisions; its pods are then removed by the revision controller. */
export function functionDeleted(state: ClusterState, event: EventOf<'FunctionDeleted'>): HandlerResult {
  const { namespace, name } = event.data;
  const key = keyOf(namespace, name);
  if (!state.functions[key]) return { rejected: rejected('not-found', `function ${key} not found`) };
  const revisions = Object.fromEntries(
    Object.entries(state.revisions).filter(([, r]) => !(r.metadata.namespace === namespace && r.spec.function === name)),
  );
  return { state: { ...state, functions: without(state.functions, key), revisions } };
}
