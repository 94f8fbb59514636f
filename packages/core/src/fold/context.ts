import type { ClusterState, Rejection } from '../state.js';
import type { ObjectMeta } from '../resources/meta.js';

/** What a handler knows about the event being folded besides its data. */
export interface FoldContext {
  offset: number;
  id: string;
  time: string;
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
    generation: 1,
    creationTimestamp: ctx.time,
  };
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
