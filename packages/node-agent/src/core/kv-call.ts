import { KV_MAX_KEY_BYTES, KV_MAX_METADATA_BYTES, KV_MAX_VALUE_BYTES, listKv, readKv, type KvRecord, type KvView } from '@tide/core';
import type { KvCallMessage, KvListed, KvStored } from '@tide/runtime';

/** Workers refuses an expiration less than 60 s ahead; so do we (it also bounds clock skew's effect). */
export const KV_MIN_TTL_SECONDS = 60;

/** What the agent does with a pod's KV call: answer from the view, append a record, or refuse. */
export type KvCallDecision = { type: 'answer'; result: KvStored | KvListed | null } | { type: 'append'; record: KvRecord } | { type: 'refuse'; error: string };

export interface KvCaller {
  pod: string;
  namespace: string;
  functionName: string;
  bindings: readonly { name: string; kv: string }[];
}

/**
 * Decides one KV call of a pod. The pod names a binding; only its function's spec says which KV
 * namespace that is, so a pod cannot reach a KV namespace its function does not bind.
 */
export function decideKvCall(call: KvCallMessage, caller: KvCaller, view: KvView, nowMs: number): KvCallDecision {
  const binding = caller.bindings.find((b) => b.name === call.binding);
  if (!binding) {
    return refuse(`function ${caller.namespace}/${caller.functionName} has no KV binding named ${call.binding} (add it to spec.bindings)`);
  }
  const where = { namespace: caller.namespace, kv: binding.kv };
  if (call.op === 'list') {
    if (call.limit !== undefined && (!Number.isInteger(call.limit) || call.limit < 1)) return refuse(`${call.binding}.list: limit must be a positive integer`);
    return { type: 'answer', result: listKv(view, where.namespace, where.kv, call, nowMs) };
  }
  const keyError = checkKey(call.key);
  if (keyError) return refuse(`${call.binding}.${call.op}: ${keyError}`);
  if (call.op === 'get') {
    const entry = readKv(view, where.namespace, where.kv, call.key, nowMs);
    return { type: 'answer', result: entry ?? null };
  }
  if (call.op === 'delete') return { type: 'append', record: { ...where, key: call.key } };
  return decidePut(call, where, nowMs);
}

function decidePut(call: Extract<KvCallMessage, { op: 'put' }>, where: { namespace: string; kv: string }, nowMs: number): KvCallDecision {
  const what = `${call.binding}.put(${JSON.stringify(call.key)})`;
  if (typeof call.value !== 'string') return refuse(`${what}: the value is missing`);
  const bytes = Math.floor((call.value.length * 3) / 4) - (call.value.endsWith('==') ? 2 : call.value.endsWith('=') ? 1 : 0);
  if (bytes > KV_MAX_VALUE_BYTES) return refuse(`${what}: the value is ${bytes} bytes, more than Tide's KV limit of ${KV_MAX_VALUE_BYTES} bytes (1 MiB)`);
  let metadataBytes = 0;
  try {
    metadataBytes = call.metadata === undefined ? 0 : Buffer.byteLength(JSON.stringify(call.metadata));
  } catch {
    return refuse(`${what}: metadata must be serializable as JSON`);
  }
  if (metadataBytes > KV_MAX_METADATA_BYTES) return refuse(`${what}: metadata is ${metadataBytes} bytes serialized, more than ${KV_MAX_METADATA_BYTES}`);
  const nowSeconds = nowMs / 1000;
  let expiration: number | undefined;
  if (call.expirationTtl !== undefined) {
    if (!Number.isFinite(call.expirationTtl) || call.expirationTtl < KV_MIN_TTL_SECONDS)
      return refuse(`${what}: expirationTtl must be at least ${KV_MIN_TTL_SECONDS} seconds`);
    expiration = Math.floor(nowSeconds + call.expirationTtl);
  } else if (call.expiration !== undefined) {
    if (!Number.isFinite(call.expiration) || call.expiration < nowSeconds + KV_MIN_TTL_SECONDS)
      return refuse(`${what}: expiration (epoch seconds) must be at least ${KV_MIN_TTL_SECONDS} seconds in the future`);
    expiration = Math.floor(call.expiration);
  }
  return {
    type: 'append',
    record: {
      ...where,
      key: call.key,
      value: call.value,
      ...(call.metadata === undefined ? {} : { metadata: call.metadata }),
      ...(expiration === undefined ? {} : { expiration }),
    },
  };
}

function checkKey(key: unknown): string | undefined {
  if (typeof key !== 'string' || key === '') return 'a key must be a non-empty string';
  const bytes = Buffer.byteLength(key);
  if (bytes > KV_MAX_KEY_BYTES) return `the key is ${bytes} bytes, more than ${KV_MAX_KEY_BYTES}`;
  if (key === '.' || key === '..') return 'a key may not be "." or ".."';
  return undefined;
}

const refuse = (error: string): KvCallDecision => ({ type: 'refuse', error });
