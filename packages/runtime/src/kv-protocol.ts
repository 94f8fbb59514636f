/**
 * A pod's KV calls: the pod reaches nothing of the platform but its artifact and the gateway, so
 * its `env.CACHE.get()` travels over the IPC channel it already has with its node agent, which
 * answers from its view of the KV topic and appends puts and deletes through the node's log.
 * The pod names a binding, never a KV namespace: the agent resolves the name from the pod's spec.
 */
export type KvOperation =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string /** base64 */; value: string; metadata?: unknown; expiration?: number; expirationTtl?: number }
  | { op: 'delete'; key: string }
  | { op: 'list'; prefix?: string; limit?: number; cursor?: string };

/** Pod → agent. `id` pairs the reply with its call. */
export type KvCallMessage = { type: 'kv'; id: number; binding: string } & KvOperation;

export interface KvStored {
  /** base64 */
  value: string;
  metadata?: unknown;
  expiration?: number;
}

export interface KvListed {
  keys: { name: string; expiration?: number; metadata?: unknown }[];
  list_complete: boolean;
  cursor?: string;
}

/** Agent → pod. get: the entry or null; put/delete: null; list: the page. */
export type KvReplyMessage =
  | { type: 'kv-result'; id: number; ok: true; result: KvStored | KvListed | null }
  | { type: 'kv-result'; id: number; ok: false; error: string };

export const isKvReply = (message: unknown): message is KvReplyMessage =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'kv-result';
