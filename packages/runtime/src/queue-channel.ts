import { createQueueProducer, QueueError, type QueueSend } from './queue-producer.js';
import { isQueueReply, type QueueReplyMessage, type QueueSendMessage } from './queue-protocol.js';

/**
 * The queue producer bindings of a pod, published by its node agent over IPC (as KV calls are, see
 * kv-channel.ts). A send made while the agent is gone fails at once; one in flight fails when it goes.
 */
export function queueBindingsOverIpc(bindings: readonly string[]): Record<string, unknown> {
  if (bindings.length === 0) return {};
  const pending = new Map<number, { resolve: (reply: QueueReplyMessage) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  process.on('message', (message: unknown) => {
    if (!isQueueReply(message)) return;
    pending.get(message.id)?.resolve(message);
    pending.delete(message.id);
  });
  process.once('disconnect', () => {
    for (const call of pending.values()) call.reject(new QueueError('the queue is unavailable: the node agent is gone'));
    pending.clear();
  });
  const sendOf =
    (binding: string): QueueSend =>
    (messages, trace) =>
      new Promise<QueueReplyMessage>((resolve, reject) => {
        if (!process.send || !process.connected) return reject(new QueueError('the queue is unavailable: the pod has no channel to its node agent'));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        const message: QueueSendMessage = { type: 'queue-send', id, binding, messages, ...trace };
        process.send(message, undefined, undefined, (error: Error | null) => {
          if (!error) return;
          pending.delete(id);
          reject(new QueueError(`${binding}: sending failed: ${error.message}`));
        });
      }).then((reply) => {
        if (!reply.ok) throw new QueueError(reply.error);
      });
  return Object.fromEntries(bindings.map((name) => [name, createQueueProducer(name, sendOf(name))]));
}
