import type { KvRecord } from './kv-record.js';

/** One stored key of a KV namespace, as the fold of the KV topic leaves it. */
export interface KvEntry {
  /** base64 of the value's bytes. */
  value: string;
  metadata?: unknown;
  expiration?: number;
}

/** `<namespace>/<kv>` → key → entry. Immutable: applyKvRecord returns a new view. */
export type KvView = ReadonlyMap<string, ReadonlyMap<string, KvEntry>>;

export const emptyKvView = (): KvView => new Map();

const storeOf = (namespace: string, kv: string) => `${namespace}/${kv}`;

/** The view after one record: a put sets (or overwrites) the key, a tombstone removes it. */
export function applyKvRecord(view: KvView, record: KvRecord): KvView {
  const name = storeOf(record.namespace, record.kv);
  const keys = new Map(view.get(name) ?? []);
  if (record.value === undefined) keys.delete(record.key);
  else
    keys.set(record.key, {
      value: record.value,
      ...(record.metadata === undefined ? {} : { metadata: record.metadata }),
      ...(record.expiration === undefined ? {} : { expiration: record.expiration }),
    });
  const next = new Map(view);
  if (keys.size === 0) next.delete(name);
  else next.set(name, keys);
  return next;
}

/** An expired key reads as absent (Workers: expiration is in epoch seconds). */
const live = (entry: KvEntry, nowMs: number) => entry.expiration === undefined || entry.expiration * 1000 > nowMs;

export function readKv(view: KvView, namespace: string, kv: string, key: string, nowMs: number): KvEntry | undefined {
  const entry = view.get(storeOf(namespace, kv))?.get(key);
  return entry && live(entry, nowMs) ? entry : undefined;
}

export interface KvListOptions {
  prefix?: string;
  /** Workers: default and maximum 1000. */
  limit?: number;
  /** Opaque to callers: here the last key name of the previous page. */
  cursor?: string;
}

export interface KvListResult {
  keys: { name: string; expiration?: number; metadata?: unknown }[];
  list_complete: boolean;
  cursor?: string;
}

export const KV_LIST_MAX = 1000;

/** Live keys in lexicographic (UTF-8 byte) order, as Workers lists them, a page at a time. */
export function listKv(view: KvView, namespace: string, kv: string, options: KvListOptions, nowMs: number): KvListResult {
  const limit = Math.min(Math.max(1, options.limit ?? KV_LIST_MAX), KV_LIST_MAX);
  const prefix = options.prefix ?? '';
  const after = options.cursor === undefined || options.cursor === '' ? undefined : decodeCursor(options.cursor);
  const names = [...(view.get(storeOf(namespace, kv)) ?? new Map<string, KvEntry>()).entries()]
    .filter(([name, entry]) => name.startsWith(prefix) && live(entry, nowMs) && (after === undefined || compareKeys(name, after) > 0))
    .sort(([a], [b]) => compareKeys(a, b));
  const page = names.slice(0, limit);
  const keys = page.map(([name, entry]) => ({
    name,
    ...(entry.expiration === undefined ? {} : { expiration: entry.expiration }),
    ...(entry.metadata === undefined ? {} : { metadata: entry.metadata }),
  }));
  if (names.length <= limit) return { keys, list_complete: true };
  return { keys, list_complete: false, cursor: encodeCursor(page[page.length - 1]![0]) };
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const encodeCursor = (name: string) => Buffer.from(name).toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString();
