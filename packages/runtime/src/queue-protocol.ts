/**
 * A pod's Workers Queues producer calls (`env.RESERVATIONS.send()`): like KV calls they travel over
 * the pod's IPC channel to its node agent, which publishes them to the namespace's topic. The pod
 * names a binding, never a topic: the agent resolves it from the pod's spec.
 */
export interface QueueOutgoing {
  /** The encoded body, base64. */
  body: string;
  /** The MIME type of the body (`application/json`, `text/plain; charset=utf-8`, `application/octet-stream`). */
  contentType: string;
  /** Tide's extension: messages of one key keep their order (they go to one partition). */
  key?: string;
  delaySeconds?: number;
}

/** Pod → agent: one send or sendBatch, with the trace context of the call that made it. */
export interface QueueSendMessage {
  type: 'queue-send';
  id: number;
  binding: string;
  messages: QueueOutgoing[];
  traceparent?: string;
  tracestate?: string;
}

/** Agent → pod: the messages are durable on the topic, or why not. */
export type QueueReplyMessage = { type: 'queue-result'; id: number; ok: true } | { type: 'queue-result'; id: number; ok: false; error: string };

export const isQueueReply = (message: unknown): message is QueueReplyMessage =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'queue-result';
