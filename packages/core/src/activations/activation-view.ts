import type { ActivationRecord } from './activation-record.js';

/**
 * The activations the control plane serves, folded from the activations topic and bounded: per
 * namespace the newest ACTIVATIONS_KEPT_PER_NAMESPACE (by when they were queued) and none queued
 * more than ACTIVATION_MAX_AGE_MS before the newest record of that namespace (or before `now`
 * when read). Older ones are forgotten: the topic is history, this view is a window on it.
 */
export const ACTIVATIONS_KEPT_PER_NAMESPACE = 2_000;
export const ACTIVATION_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** namespace → id → latest record, each map in the order the activations were first seen. Immutable. */
export type ActivationView = ReadonlyMap<string, ReadonlyMap<string, ActivationRecord>>;

export const emptyActivationView = (): ActivationView => new Map();

export interface ActivationBounds {
  perNamespace: number;
  maxAgeMs: number;
}

const DEFAULT_BOUNDS: ActivationBounds = { perNamespace: ACTIVATIONS_KEPT_PER_NAMESPACE, maxAgeMs: ACTIVATION_MAX_AGE_MS };

/**
 * The view after one record: the record replaces its activation's previous one (a record older
 * than the one held, by updatedAt, is ignored: records may be re-read after a restart), then the
 * namespace is trimmed to the bounds.
 */
export function applyActivationRecord(view: ActivationView, record: ActivationRecord, bounds: ActivationBounds = DEFAULT_BOUNDS): ActivationView {
  const held = view.get(record.namespace)?.get(record.id);
  if (held !== undefined && held.updatedAt > record.updatedAt) return view;
  const ids = new Map(view.get(record.namespace) ?? []);
  ids.set(record.id, record);
  const oldestKept = record.updatedAt - bounds.maxAgeMs;
  for (const [id, kept] of ids) {
    if (ids.size <= bounds.perNamespace && kept.queuedAt >= oldestKept) break;
    if (ids.size > bounds.perNamespace || kept.queuedAt < oldestKept) ids.delete(id);
  }
  const next = new Map(view);
  next.set(record.namespace, ids);
  return next;
}

export function readActivation(view: ActivationView, namespace: string, id: string, nowMs: number): ActivationRecord | undefined {
  const record = view.get(namespace)?.get(id);
  return record !== undefined && record.queuedAt >= nowMs - ACTIVATION_MAX_AGE_MS ? record : undefined;
}

export const ACTIVATIONS_LIST_MAX = 1000;

/** A namespace's activations, newest queued first, optionally of one function; at most `limit` (default 50, max 1000). */
export function listActivations(view: ActivationView, namespace: string, options: { function?: string; limit?: number }, nowMs: number): ActivationRecord[] {
  const limit = Math.min(Math.max(1, options.limit ?? 50), ACTIVATIONS_LIST_MAX);
  const out: ActivationRecord[] = [];
  for (const record of view.get(namespace)?.values() ?? []) {
    if (options.function !== undefined && record.function !== options.function) continue;
    if (record.queuedAt < nowMs - ACTIVATION_MAX_AGE_MS) continue;
    out.push(record);
  }
  return out.sort((a, b) => b.queuedAt - a.queuedAt || (a.id < b.id ? 1 : -1)).slice(0, limit);
}
