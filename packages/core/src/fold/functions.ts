import type { EventOf } from '../events.js';
import type { ClusterState } from '../state.js';
import { rejected } from '../state.js';
import { API_VERSION, keyOf } from '../resources/meta.js';
import { initialReplicas, revisionTemplateOf, type Revision, type RevisionTemplate, type TideFunction } from '../resources/function.js';
import { canonicalJson, newMeta, type FoldContext, type HandlerResult } from './context.js';

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
  if (!state.namespaces.has(namespace)) return { rejected: rejected('not-found', `namespace ${namespace} not found`) };
  const key = keyOf(namespace, name);
  const existing = state.functions.get(key);
  const template = revisionTemplateOf(manifest.spec);
  const latest = existing ? state.revisions.get(keyOf(namespace, existing.status.latestRevision)) : undefined;
  const templateChanged = !latest || canonicalJson(templateOfRevision(latest)) !== canonicalJson(template);
  const specChanged = !existing || canonicalJson(existing.spec) !== canonicalJson(manifest.spec);

  let revisions = state.revisions;
  const scale = manifest.spec.scale;
  const desiredReplicas = existing ? Math.min(scale.max, Math.max(scale.min, existing.status.desiredReplicas)) : initialReplicas(scale);
  let status = { ...(existing?.status ?? { latestRevision: '', revisionCount: 0, recentScales: [] }), desiredReplicas };
  if (templateChanged) {
    const number = status.revisionCount + 1;
    const revName = revisionName(name, number);
    const revision: Revision = {
      apiVersion: API_VERSION,
      kind: 'Revision',
      metadata: { ...newMeta(ctx, revName, namespace, { 'tide.dev/function': name }), namespace },
      spec: { ...template, function: name, number },
    };
    revisions = revisions.set(keyOf(namespace, revName), revision);
    // A new revision starts with a pod even when scaled to zero, so a deploy shows that it runs.
    status = { ...status, latestRevision: revName, revisionCount: number, desiredReplicas: Math.max(desiredReplicas, initialReplicas(scale)) };
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
  return { state: { ...state, functions: state.functions.set(key, fn), revisions } };
}

/** Deletes a Function and its Revisions; its pods are then removed by the revision controller. */
export function functionDeleted(state: ClusterState, event: EventOf<'FunctionDeleted'>): HandlerResult {
  const { namespace, name } = event.data;
  const key = keyOf(namespace, name);
  if (!state.functions.has(key)) return { rejected: rejected('not-found', `function ${key} not found`) };
  const revisions = state.revisions.filter((r) => !(r.metadata.namespace === namespace && r.spec.function === name));
  return { state: { ...state, functions: state.functions.delete(key), revisions } };
}

const SCALES_KEPT = 10;

/** The autoscaler's decision; rejected if made from a replica count that is no longer current. */
export function scaleSet(state: ClusterState, event: EventOf<'ScaleSet'>, ctx: FoldContext): HandlerResult {
  const { namespace, name, from, to, reason } = event.data;
  const key = keyOf(namespace, name);
  const fn = state.functions.get(key);
  if (!fn) return { rejected: rejected('not-found', `function ${key} not found`) };
  if (fn.status.desiredReplicas !== from) {
    return { rejected: rejected('conflict', `function ${key} wants ${fn.status.desiredReplicas} replicas, not ${from}: the decision was made on stale state`) };
  }
  const { min, max } = fn.spec.scale;
  if (to < min || to > max) return { rejected: rejected('invalid', `function ${key} must have ${min}..${max} replicas, not ${to}`) };
  const recentScales = [...fn.status.recentScales, { time: ctx.time, from, to, reason }].slice(-SCALES_KEPT);
  const updated: TideFunction = {
    ...fn,
    metadata: { ...fn.metadata, resourceVersion: String(ctx.offset) },
    status: { ...fn.status, desiredReplicas: to, recentScales },
  };
  return { state: { ...state, functions: state.functions.set(key, updated) } };
}
