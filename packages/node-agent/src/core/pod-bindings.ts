/** A function's bindings as a pod spec carries them: a KV namespace, or a queue (a topic of the namespace). */
export type PodBinding = { name: string; kv: string } | { name: string; queue: string };

export const kvBindingsOf = (bindings: readonly PodBinding[] | undefined): { name: string; kv: string }[] =>
  (bindings ?? []).filter((b): b is { name: string; kv: string } => 'kv' in b);

export const queueBindingsOf = (bindings: readonly PodBinding[] | undefined): { name: string; queue: string }[] =>
  (bindings ?? []).filter((b): b is { name: string; queue: string } => 'queue' in b);

/** The runtime config's binding names: the pod builds `env.CACHE` and `env.RESERVATIONS` from them. */
export function runtimeBindingsOf(bindings: readonly PodBinding[] | undefined): { kvBindings?: string[]; queueBindings?: string[] } {
  const kv = kvBindingsOf(bindings).map((b) => b.name);
  const queue = queueBindingsOf(bindings).map((b) => b.name);
  return { ...(kv.length ? { kvBindings: kv } : {}), ...(queue.length ? { queueBindings: queue } : {}) };
}
