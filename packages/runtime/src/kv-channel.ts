import { agentCalls } from './agent-calls.js';
import { createKvNamespace, KvError, type KvCall } from './kv-namespace.js';
import { isKvReply, type KvCallMessage, type KvReplyMessage } from './kv-protocol.js';

/** The KV bindings of a pod, answered by its node agent over IPC (agent-calls.ts). */
export function kvBindingsOverIpc(bindings: readonly string[]): Record<string, unknown> {
  if (bindings.length === 0) return {};
  const call = agentCalls<KvCallMessage, KvReplyMessage>({ isReply: isKvReply, unavailable: (why) => new KvError(`KV is unavailable: ${why}`) });
  const callOf =
    (binding: string): KvCall =>
    async (operation) => {
      const reply = await call({ type: 'kv', binding, ...operation });
      if (!reply.ok) throw new KvError(reply.error);
      return reply.result;
    };
  return Object.fromEntries(bindings.map((name) => [name, createKvNamespace(name, callOf(name))]));
}
