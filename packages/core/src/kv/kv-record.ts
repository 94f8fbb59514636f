/**
 * Workers KV backed by the log: every put and delete of a KV namespace is one record on the KV
 * topic, keyed `<namespace>/<kv>/<key>`. The topic is compacted (only a key's latest record
 * matters) and never goes on the state stream: KV is data, not cluster state.
 */
export const KV_TOPIC = 'tide.kv';

/** Largest value a put may store: a record the log carries comfortably (Workers allows 25 MiB). */
export const KV_MAX_VALUE_BYTES = 1024 * 1024;
/** Workers' limits: a key of at most 512 bytes, metadata of at most 1024 bytes once serialized. */
export const KV_MAX_KEY_BYTES = 512;
export const KV_MAX_METADATA_BYTES = 1024;

/** A put (value base64, metadata as JSON, expiration in epoch seconds) or a delete (no value). */
export interface KvRecord {
  namespace: string;
  kv: string;
  key: string;
  /** base64 of the value's bytes; absent = a tombstone (the key was deleted). */
  value?: string;
  metadata?: unknown;
  /** Epoch seconds after which the key reads as absent (Workers' `expiration`). */
  expiration?: number;
}

export const kvRecordKey = (r: Pick<KvRecord, 'namespace' | 'kv' | 'key'>) => `${r.namespace}/${r.kv}/${r.key}`;

export function encodeKvRecord(record: KvRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

/** A record of the wrong shape (another writer, a torn producer) is skipped: undefined. */
export function decodeKvRecord(bytes: Uint8Array): KvRecord | undefined {
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as Partial<KvRecord>;
    if (typeof r.namespace !== 'string' || typeof r.kv !== 'string' || typeof r.key !== 'string') return undefined;
    if (r.value !== undefined && typeof r.value !== 'string') return undefined;
    if (r.expiration !== undefined && typeof r.expiration !== 'number') return undefined;
    return r as KvRecord;
  } catch {
    return undefined;
  }
}
