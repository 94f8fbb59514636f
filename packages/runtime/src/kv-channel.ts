import { createKvNamespace, KvError, type KvCall } from './kv-namespace.js';
import { isKvReply, type KvCallMessage, type KvReplyMessage } from './kv-protocol.js';

/**
 * The KV bindings of a pod, answered by its node agent over IPC. One listener for every reply;
 * a call made while the agent is gone fails at once, and one in flight fails when it goes.
 */
export function kvBindingsOverIpc(bindings: readonly string[]): Record<string, unknown> {
  if (bindings.length === 0) return {};
  const pending = new Map<number, { resolve: (reply: KvReplyMessage) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  process.on('message', (message: unknown) => {
    if (!isKvReply(message)) return;
    pending.get(message.id)?.resolve(message);
    pending.delete(message.id);
  });
  process.once('disconnect', () => {
    for (const call of pending.values()) call.reject(new KvError('KV is unavailable: the node agent is gone'));
    pending.clear();
  });
  const callOf =
    (binding: string): KvCall =>
    (operation) =>
      new Promise<KvReplyMessage>((resolve, reject) => {
        if (!process.send || !process.connected) return reject(new KvError('KV is unavailable: the pod has no channel to its node agent'));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        process.send({ type: 'kv', id, binding, ...operation } satisfies KvCallMessage, undefined, undefined, (error: Error | null) => {
          if (!error) return;
          pending.delete(id);
          reject(new KvError(`KV call failed: ${error.message}`));
        });
      }).then((reply) => {
        if (!reply.ok) throw new KvError(reply.error);
        return reply.result;
      });
  return Object.fromEntries(bindings.map((name) => [name, createKvNamespace(name, callOf(name))]));
}
