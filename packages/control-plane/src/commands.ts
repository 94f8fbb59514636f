import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import {
  STATE_TOPIC,
  startCausedSpan,
  FunctionManifest,
  NamespaceManifest,
  TriggerManifest,
  functionQuotaViolation,
  judge,
  keyOf,
  type EventInput,
  type StateStore,
  type ClusterState,
  type Rejection,
  type ResourceMap,
} from '@tide/core';
import { ApiError, invalid, rejectionError } from './errors.js';
import type { ArtifactStore } from './adapters/artifact-store.js';
import type { ControlPlaneLog } from './deps.js';
import { previousServingRevision, readServingChanges, revisionExists } from './routes/serving-history.js';

const MAX_ATTEMPTS = 5;

export interface CommandContext {
  store: StateStore;
  artifacts: ArtifactStore;
  /** The state log, read for history (what a function served before). */
  log?: ControlPlaneLog;
  actor?: string;
  traceparent?: string;
}

/**
 * Appends one conditional event and waits for the fold's verdict. Without a resourceVersion from
 * the client the condition is "what I just read", retried on conflict: last writer wins, but no
 * write is ever half-applied or lost silently.
 */
export async function appendConditional(
  ctx: CommandContext,
  clientVersion: string | undefined,
  currentVersion: (state: ClusterState) => number | undefined,
  build: (expect: number | null) => EventInput,
): Promise<{ offset: number; existed: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const state = ctx.store.state();
    const current = currentVersion(state);
    const expect = clientVersion ? offsetOf(clientVersion) : (current ?? null);
    const built = build(expect);
    // Doomed on the state we already have: answer now, so only a true race leaves a rejected record.
    const foreseen = judge(state, built);
    if (!foreseen.accepted) throw refusal(foreseen, clientVersion);
    const append = startAppendSpan(built.type, ctx.traceparent);
    const event = { ...built, ...(ctx.actor ? { actor: ctx.actor } : {}), ...(append.traceparent ? { traceparent: append.traceparent } : {}) };
    const [result] = await endingSpan(append.span, ctx.store.append([event]));
    if (result!.verdict.accepted) return { offset: result!.offset, existed: current !== undefined };
    const { code } = result!.verdict;
    const lostRace = code === 'conflict' || code === 'already-exists' || code === 'not-found';
    if (clientVersion || !lostRace || attempt >= MAX_ATTEMPTS) throw refusal(result!.verdict, clientVersion);
  }
}

/** The append of one event to the state stream, as a PRODUCER span (OpenTelemetry messaging conventions): the event carries its trace context. */
function startAppendSpan(type: string, cause: string | undefined) {
  return startCausedSpan('tide-control-plane', `send ${STATE_TOPIC}`, cause, {
    kind: SpanKind.PRODUCER,
    attributes: { 'messaging.system': 'tide', 'messaging.destination.name': STATE_TOPIC, 'messaging.operation.type': 'send', 'tide.event.type': type },
  });
}

/** Ends `span` when the append settles, with the fold's verdict (or the failure) on it. */
async function endingSpan<T extends { offset: number; verdict: { accepted: boolean; code?: string; reason?: string } }>(
  span: Span,
  appending: Promise<T[]>,
): Promise<T[]> {
  try {
    const results = await appending;
    const result = results[0];
    if (result) {
      span.setAttribute('messaging.message.id', String(result.offset));
      if (!result.verdict.accepted) span.setStatus({ code: SpanStatusCode.ERROR, message: `rejected (${result.verdict.code}): ${result.verdict.reason}` });
    }
    return results;
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** A client's resourceVersion as the log offset it names: one no log could reach is bad input, not a conflict. */
function offsetOf(resourceVersion: string): number {
  const offset = Number(resourceVersion);
  if (!Number.isSafeInteger(offset)) {
    throw new ApiError(422, 'Invalid', `metadata.resourceVersion ${resourceVersion.slice(0, 40)} is not a log offset`, [
      { field: 'metadata.resourceVersion', message: 'not a log offset' },
    ]);
  }
  return offset;
}

/** The API's answer to a rejected write: the client's own version of a thing now gone is a conflict. */
function refusal({ code, reason }: Rejection, clientVersion: string | undefined): ApiError {
  if (clientVersion && code === 'not-found') return rejectionError('conflict', `${reason}: it no longer exists`);
  return rejectionError(code, reason);
}

export const versionIn = <T extends { metadata: { resourceVersion: string } }>(map: ResourceMap<T>, key: string) => {
  const version = map.get(key)?.metadata.resourceVersion;
  return version === undefined ? undefined : Number(version);
};

export async function applyNamespace(ctx: CommandContext, body: unknown) {
  const parsed = NamespaceManifest.safeParse(body);
  if (!parsed.success) throw invalid('Namespace', parsed.error);
  const { name, labels = {}, annotations = {}, resourceVersion } = parsed.data.metadata;
  const quota = parsed.data.spec.quota;
  const { existed } = await appendConditional(
    ctx,
    resourceVersion || undefined,
    (s) => versionIn(s.namespaces, name),
    (expect) => ({
      type: 'NamespaceApplied',
      data: { name, labels, annotations, ...(quota ? { quota } : {}) },
      expect,
    }),
  );
  return { object: ctx.store.state().namespaces.get(name), created: !existed };
}

export async function deleteNamespace(ctx: CommandContext, name: string) {
  const existing = ctx.store.state().namespaces.get(name);
  if (!existing) throw new ApiError(404, 'NotFound', `namespace ${name} not found`);
  await appendConditional(
    ctx,
    undefined,
    (s) => versionIn(s.namespaces, name),
    (expect) => ({ type: 'NamespaceDeleted', data: { name }, expect }),
  );
  return existing;
}

export async function applyFunction(ctx: CommandContext, namespace: string, body: unknown) {
  const parsed = FunctionManifest.safeParse(body);
  if (!parsed.success) throw invalid('Function', parsed.error);
  const manifest = parsed.data;
  if (!ctx.store.state().namespaces.get(namespace)) throw new ApiError(404, 'NotFound', `namespace ${namespace} not found`);
  const artifact = manifest.spec.source.artifact;
  if (!(await ctx.artifacts.has(artifact))) {
    throw new ApiError(422, 'Invalid', `spec.source.artifact ${artifact} has not been uploaded: POST the bundle to /apis/tide.dev/v1/artifacts first`, [
      { field: 'spec.source.artifact', message: 'not uploaded' },
    ]);
  }
  const quota = functionQuotaViolation(ctx.store.state(), namespace, manifest.metadata.name, manifest.spec);
  if (quota) throw new ApiError(403, 'Forbidden', `quota exceeded: ${quota.reason}`, [{ field: quota.field, message: quota.reason }]);
  const { resourceVersion, namespace: _ns, ...metadata } = manifest.metadata;
  const key = keyOf(namespace, manifest.metadata.name);
  const { existed } = await appendConditional(
    ctx,
    resourceVersion || undefined,
    (s) => versionIn(s.functions, key),
    (expect) => ({
      type: 'FunctionApplied',
      data: { namespace, manifest: { ...manifest, metadata } },
      expect,
    }),
  );
  return { object: ctx.store.state().functions.get(key), created: !existed };
}

export async function deleteFunction(ctx: CommandContext, namespace: string, name: string) {
  const key = keyOf(namespace, name);
  const existing = ctx.store.state().functions.get(key);
  if (!existing) throw new ApiError(404, 'NotFound', `function ${key} not found`);
  await appendConditional(
    ctx,
    undefined,
    (s) => versionIn(s.functions, key),
    (expect) => ({ type: 'FunctionDeleted', data: { namespace, name }, expect }),
  );
  return existing;
}

/**
 * `tide rollout undo`: back to the revision the function served before this one (so undo twice is
 * back where you were, as kubectl's), or to the one named.
 */
export async function undoRollout(ctx: CommandContext, namespace: string, name: string, named: string | undefined) {
  const key = keyOf(namespace, name);
  const fn = ctx.store.state().functions.get(key);
  if (!fn) throw new ApiError(404, 'NotFound', `function ${key} not found`);
  const revision =
    named ??
    (ctx.log
      ? previousServingRevision(
          await readServingChanges(ctx.log, ctx.store, namespace, name),
          fn.status.latestRevision,
          revisionExists(ctx.store.state(), namespace),
        )
      : undefined);
  await appendConditional(
    ctx,
    undefined,
    (s) => versionIn(s.functions, key),
    (expect) => ({
      type: 'RolloutUndone',
      data: { namespace, name, ...(revision ? { revision } : {}) },
      expect: expect ?? undefined,
    }),
  );
  return ctx.store.state().functions.get(key);
}

/** `tide cordon` / `tide uncordon`: whether new pods may be scheduled on a node. */
export async function cordonNode(ctx: CommandContext, name: string, unschedulable: boolean) {
  if (!ctx.store.state().nodes.has(name)) throw new ApiError(404, 'NotFound', `node ${name} not found`);
  await appendConditional(
    ctx,
    undefined,
    (s) => versionIn(s.nodes, name),
    (expect) => ({ type: 'NodeCordoned', data: { name, unschedulable }, expect: expect ?? undefined }),
  );
  return ctx.store.state().nodes.get(name);
}

/** `tide delete node`: a node whose agent is gone leaves the cluster (the fold refuses a Ready one). */
export async function deleteNode(ctx: CommandContext, name: string) {
  const existing = ctx.store.state().nodes.get(name);
  if (!existing) throw new ApiError(404, 'NotFound', `node ${name} not found`);
  await appendConditional(
    ctx,
    undefined,
    (s) => versionIn(s.nodes, name),
    (expect) => ({ type: 'NodeDeleted', data: { name }, expect: expect ?? undefined }),
  );
  return existing;
}

/** `tide drain`: cordon, then ask every pod on the node to stop; controllers start replacements elsewhere. */
export async function drainNode(ctx: CommandContext, name: string) {
  const node = await cordonNode(ctx, name, true);
  const pods = [...ctx.store.state().pods.values()].filter((p) => p.spec.node === name && p.status.phase !== 'Terminating');
  const results = await ctx.store.append(
    pods.map((p) => ({
      type: 'PodDeletionRequested' as const,
      data: { namespace: p.metadata.namespace, name: p.metadata.name, reason: `node ${name} drained` },
      expect: Number(p.metadata.resourceVersion),
      ...(ctx.actor ? { actor: ctx.actor } : {}),
      ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    })),
  );
  return { node, evicted: results.filter((r) => r.verdict.accepted).length };
}

/**
 * Applies a Trigger. The function it names need not exist (a Knative trigger may name a subscriber
 * deployed later); `tide describe trigger` says when it is missing. `createOnly` (POST, as kubectl
 * create) makes the event expect no trigger of that name, so of two racing creates the fold lets one win.
 */
export async function applyTrigger(ctx: CommandContext, namespace: string, body: unknown, createOnly = false) {
  const parsed = TriggerManifest.safeParse(body);
  if (!parsed.success) throw invalid('Trigger', parsed.error);
  if (!ctx.store.state().namespaces.get(namespace)) throw new ApiError(404, 'NotFound', `namespace ${namespace} not found`);
  const { resourceVersion, namespace: _ns, ...metadata } = parsed.data.metadata;
  const key = keyOf(namespace, metadata.name);
  const { existed } = await appendConditional(
    ctx,
    resourceVersion || undefined,
    (s) => (createOnly ? undefined : versionIn(s.triggers, key)),
    (expect) => ({ type: 'TriggerApplied', data: { namespace, manifest: { ...parsed.data, metadata } }, expect }),
  );
  return { object: ctx.store.state().triggers.get(key), created: !existed };
}

export async function deleteTrigger(ctx: CommandContext, namespace: string, name: string) {
  const key = keyOf(namespace, name);
  const existing = ctx.store.state().triggers.get(key);
  if (!existing) throw new ApiError(404, 'NotFound', `trigger ${key} not found`);
  await appendConditional(
    ctx,
    undefined,
    (s) => versionIn(s.triggers, key),
    (expect) => ({ type: 'TriggerDeleted', data: { namespace, name }, expect }),
  );
  return existing;
}
