import { agentCalls } from './agent-calls.js';
import { createQueueProducer, QueueError, type QueueSend } from './queue-producer.js';
import { isQueueReply, type QueueReplyMessage, type QueueSendMessage } from './queue-protocol.js';

/** The queue producer bindings of a pod, published by its node agent over IPC (agent-calls.ts). */
export function queueBindingsOverIpc(bindings: readonly string[]): Record<string, unknown> {
  if (bindings.length === 0) return {};
  const call = agentCalls<QueueSendMessage, QueueReplyMessage>({
    isReply: isQueueReply,
    unavailable: (why) => new QueueError(`the queue is unavailable: ${why}`),
  });
  const sendOf =
    (binding: string): QueueSend =>
    async (messages, trace) => {
      const reply = await call({ type: 'queue-send', binding, messages, ...trace });
      if (!reply.ok) throw new QueueError(reply.error);
    };
  return Object.fromEntries(bindings.map((name) => [name, createQueueProducer(name, sendOf(name))]));
}
