import type { QueueReplyMessage, QueueSendMessage } from '@tide/runtime';
import { decideQueueSend, type QueueCaller, type QueueRecord } from './core/queue-send.js';

/** Where a node's pods' queue messages go: a namespace's topic, resolved once durable. */
export interface QueuePublisher {
  publish(namespace: string, topic: string, records: readonly QueueRecord[]): Promise<void>;
}

export interface QueueSender {
  /** Publishes one send of a pod; answers once the records are durable, or with why not. */
  answer(caller: QueueCaller, call: QueueSendMessage): Promise<QueueReplyMessage>;
}

export function createQueueSender(publisher: QueuePublisher): QueueSender {
  return {
    async answer(caller, call) {
      const decision = decideQueueSend(call, caller);
      if (decision.type === 'refuse') return { type: 'queue-result', id: call.id, ok: false, error: decision.error };
      try {
        await publisher.publish(decision.namespace, decision.topic, decision.records);
        return { type: 'queue-result', id: call.id, ok: true };
      } catch (error) {
        return {
          type: 'queue-result',
          id: call.id,
          ok: false,
          error: `${call.binding}: publishing to topic ${decision.topic} failed: ${(error as Error).message}`,
        };
      }
    },
  };
}
