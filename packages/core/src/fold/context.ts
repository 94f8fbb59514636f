import type { ClusterState, Rejection } from '../state.js';
import type { ObjectMeta } from '../resources/meta.js';

/** What a handler knows about the event being folded besides its data. */
export interface FoldContext {
  offset: number;
  id: string;
  time: string;
  /** The W3C trace context the event carries: the operation that caused it. */
  traceparent?: string;
}

/** A handler returns the next state, or a rejection that leaves state unchanged. */
export type HandlerResult = { state: ClusterState } | { rejected: Rejection };

export function newMeta(ctx: FoldContext, name: string, namespace: string | undefined, labels = {}, annotations = {}): ObjectMeta {
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels,
    annotations,
    uid: ctx.id,
    resourceVersion: String(ctx.offset),
    ...(ctx.traceparent === undefined ? {} : { traceparent: ctx.traceparent }),
    generation: 1,
    creationTimestamp: ctx.time,
  };
}

/**
 * `meta` as changed by the event of `ctx`: its resourceVersion is the event's offset and its
 * traceparent the event's (none if the event carried none), so that what a controller does about
 * the change continues the trace of the operation that made it.
 */
export function changedMeta<M extends { resourceVersion: string; traceparent?: string | undefined }>(meta: M, ctx: FoldContext): M {
  const { traceparent: _previous, ...rest } = meta;
  return { ...rest, resourceVersion: String(ctx.offset), ...(ctx.traceparent === undefined ? {} : { traceparent: ctx.traceparent }) } as M;
}

/** Deterministic JSON (sorted keys) so equal specs compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
