import type { EventOf } from '../events.js';
import type { ClusterState } from '../state.js';
import { rejected } from '../state.js';
import { API_VERSION, keyOf } from '../resources/meta.js';
import type { Pod, PodStatus } from '../resources/pod.js';
import type { Revision } from '../resources/function.js';
import { podQuotaViolation } from '../quota.js';
import { isolationRefusal } from '../resources/pod-isolation.js';
import { newMeta, type FoldContext, type HandlerResult, changedMeta } from './context.js';

export function podCreated(state: ClusterState, event: EventOf<'PodCreated'>, ctx: FoldContext): HandlerResult {
  const { namespace, name, revision: revisionName } = event.data;
  const key = ctx.subjectKey;
  if (state.pods.has(key)) return { rejected: rejected('already-exists', `pod ${key} already exists`) };
  const revision = state.revisions.get(keyOf(namespace, revisionName));
  if (!revision) return { rejected: rejected('not-found', `revision ${namespace}/${revisionName} not found`) };
  const quota = podQuotaViolation(state, namespace, revision.spec.resources.memoryMb);
  if (quota) return { rejected: rejected('forbidden', quota) };
  const spec = podSpecOf(revision, revisionName);
  const pod: Pod = {
    apiVersion: API_VERSION,
    kind: 'Pod',
    metadata: { ...newMeta(ctx, name, namespace, { 'tide.dev/function': spec.function, 'tide.dev/revision': revisionName }), namespace },
    spec,
    status: { phase: 'Pending', restartCount: 0 },
  };
  return { state: { ...state, pods: state.pods.set(key, pod) } };
}

export function podBound(state: ClusterState, event: EventOf<'PodBound'>, ctx: FoldContext): HandlerResult {
  const { namespace, name, node } = event.data;
  const pod = state.pods.get(ctx.subjectKey);
  if (!pod) return { rejected: rejected('not-found', `pod ${namespace}/${name} not found`) };
  if (pod.status.phase !== 'Pending') return { rejected: rejected('conflict', `pod ${namespace}/${name} is ${pod.status.phase}, not Pending`) };
  const target = state.nodes.get(node);
  if (!target?.status.ready) return { rejected: rejected('conflict', `node ${node} is not ready`) };
  const refusal = isolationRefusal(target.spec.isolation, namespace);
  if (refusal) return { rejected: rejected('forbidden', `node ${node} ${refusal}`) };
  return withPod(state, pod, { spec: boundSpecOf(pod.spec, node), status: { phase: 'Bound', restartCount: pod.status.restartCount } }, ctx);
}

/** A node agent's report; accepted only from the incarnation of the node the pod is bound to. */
export function podStatusReported(state: ClusterState, event: EventOf<'PodStatusReported'>, ctx: FoldContext): HandlerResult {
  const d = event.data;
  const pod = state.pods.get(ctx.subjectKey);
  if (!pod) return { rejected: rejected('not-found', `pod ${d.namespace}/${d.name} not found`) };
  if (pod.spec.node !== d.node) return { rejected: rejected('conflict', `pod ${d.namespace}/${d.name} is not bound to node ${d.node}`) };
  const node = state.nodes.get(d.node);
  if (node?.status.bootId !== d.bootId) return { rejected: rejected('conflict', `report from a stale incarnation of node ${d.node}`) };
  const terminating = pod.status.phase === 'Terminating';
  // Fields set one by one, in this order, rather than spread in: the most frequent event's status.
  const status: PodStatus = { phase: terminating ? 'Terminating' : d.phase, restartCount: d.restartCount, nodeBootId: d.bootId };
  if (d.phase === 'Ready' && !terminating && d.endpoint) status.endpoint = d.endpoint;
  if (d.reason !== undefined) status.reason = d.reason;
  if (d.exitCode !== undefined) status.exitCode = d.exitCode;
  if (d.nextRestartAt !== undefined) status.nextRestartAt = d.nextRestartAt;
  // Kubernetes' name for a pod that keeps exiting and waits longer each time to be restarted.
  if (d.phase === 'Exited' && d.nextRestartAt !== undefined && d.restartCount >= 1 && !terminating) status.waiting = 'CrashLoopBackOff';
  return withPod(state, pod, { status }, ctx);
}

/** Stops routing to the pod at once; its node stops it and then reports it removed. */
export function podDeletionRequested(state: ClusterState, event: EventOf<'PodDeletionRequested'>, ctx: FoldContext): HandlerResult {
  const { reason } = event.data;
  const key = ctx.subjectKey;
  const pod = state.pods.get(key);
  if (!pod) return { rejected: rejected('not-found', `pod ${key} not found`) };
  if (pod.status.phase === 'Terminating') return { rejected: rejected('conflict', `pod ${key} is already terminating`) };
  if (!pod.spec.node) return { state: { ...state, pods: state.pods.delete(key) } };
  const metadata = { ...pod.metadata, deletionTimestamp: ctx.time };
  return withPod(state, pod, { metadata, status: { phase: 'Terminating', restartCount: pod.status.restartCount, reason } }, ctx);
}

export function podRemoved(state: ClusterState, event: EventOf<'PodRemoved'>, ctx: FoldContext): HandlerResult {
  const { node } = event.data;
  const key = ctx.subjectKey;
  const pod = state.pods.get(key);
  if (!pod) return { rejected: rejected('not-found', `pod ${key} not found`) };
  if (node !== undefined && pod.spec.node !== node) return { rejected: rejected('conflict', `pod ${key} is not bound to node ${node}`) };
  return { state: { ...state, pods: state.pods.delete(key) } };
}

/**
 * The state with `pod`, the subject of the event of `ctx`, changed by that event. The pod is a
 * literal, not a spread of the one before: V8 copies an object made by a spread through a slow
 * path (~0.2 µs), and a pod is re-made at every event of its life.
 */
function withPod(state: ClusterState, pod: Pod, changes: Pick<Pod, 'status'> & Partial<Pick<Pod, 'metadata' | 'spec'>>, ctx: FoldContext): HandlerResult {
  // Required: a field added to Pod fails to compile here until it is copied too.
  const changed: Required<Pod> = {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: changedMeta(changes.metadata ?? pod.metadata, ctx),
    spec: changes.spec ?? pod.spec,
    status: changes.status,
  };
  return { state: { ...state, pods: state.pods.set(ctx.subjectKey, changed) } };
}

/** The scheduler found no node for a Pending pod: the reasons are kept for `tide get pods -o wide`. */
export function podUnschedulable(state: ClusterState, event: EventOf<'PodUnschedulable'>, ctx: FoldContext): HandlerResult {
  const { namespace, name, reasons } = event.data;
  const pod = state.pods.get(ctx.subjectKey);
  if (!pod) return { rejected: rejected('not-found', `pod ${namespace}/${name} not found`) };
  if (pod.status.phase !== 'Pending') return { rejected: rejected('conflict', `pod ${namespace}/${name} is ${pod.status.phase}, not Pending`) };
  return withPod(state, pod, { status: { ...pod.status, unschedulable: reasons, reason: `unschedulable: ${reasons.join('; ')}` } }, ctx);
}

/**
 * The spec of an unbound pod of `revision`: the same for every pod of it, so made once per
 * revision and shared (state is never changed in place: binding a pod copies its spec). Copying
 * the revision's template for every pod created was a tenth of a pod's fold.
 */
const podSpecs = new WeakMap<Revision, Pod['spec']>();

function podSpecOf(revision: Revision, revisionName: string): Pod['spec'] {
  let spec = podSpecs.get(revision);
  if (spec === undefined) {
    const { function: fn, number: _number, ...template } = revision.spec;
    spec = { ...template, function: fn, revision: revisionName, terminationGraceSeconds: template.terminationGracePeriodSeconds };
    podSpecs.set(revision, spec);
  }
  return spec;
}

/** The spec of `spec`'s pods bound to `node`: one per revision and node, shared like podSpecOf's. */
const boundSpecs = new WeakMap<Pod['spec'], Map<string, Pod['spec']>>();

function boundSpecOf(spec: Pod['spec'], node: string): Pod['spec'] {
  let byNode = boundSpecs.get(spec);
  if (byNode === undefined) boundSpecs.set(spec, (byNode = new Map()));
  let bound = byNode.get(node);
  if (bound === undefined) byNode.set(node, (bound = { ...spec, node }));
  return bound;
}
