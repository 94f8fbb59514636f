import { currentCallTrace, type CallTrace } from './call-trace.js';
import type { QueueOutgoing } from './queue-protocol.js';

/** Publishes encoded messages of a binding through whoever backs it; rejects with its error. */
export type QueueSend = (messages: QueueOutgoing[], trace: CallTrace | undefined) => Promise<void>;

export type QueueContentType = 'json' | 'text' | 'bytes' | 'v8';

export interface QueueSendOptions {
  contentType?: QueueContentType;
  delaySeconds?: number;
  /** Tide's extension: messages with one key are delivered in the order they were sent. */
  key?: string;
}

export interface MessageSendRequest<Body = unknown> extends QueueSendOptions {
  body: Body;
}

/** Workers Queues' limits: 128 KB a message, 100 messages a batch. */
export const QUEUE_MAX_MESSAGE_BYTES = 128 * 1024;
export const QUEUE_MAX_BATCH_MESSAGES = 100;
/** Workers' longest delay: 12 hours. */
const MAX_DELAY_SECONDS = 43_200;

const MIME: Record<Exclude<QueueContentType, 'v8'>, string> = {
  json: 'application/json',
  text: 'text/plain; charset=utf-8',
  bytes: 'application/octet-stream',
};

export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

/**
 * A Workers Queues producer binding (`env.RESERVATIONS`): `send(body, options)` and
 * `sendBatch(messages, options)` as in Workers, resolved once the messages are durable on the topic.
 * The default content type is json, as Workers' is; `v8` (structured clone) is refused: a consumer
 * of the topic, in any language, must be able to read what was sent.
 */
export function createQueueProducer(binding: string, send: QueueSend) {
  return {
    async send(body: unknown, options: QueueSendOptions = {}): Promise<void> {
      await send([encode(binding, 'send', { ...options, body })], currentCallTrace());
    },
    async sendBatch(messages: Iterable<MessageSendRequest>, options: { delaySeconds?: number } = {}): Promise<void> {
      const list = [...(messages ?? [])];
      if (list.length === 0) throw new QueueError(`${binding}.sendBatch: give at least one message`);
      if (list.length > QUEUE_MAX_BATCH_MESSAGES)
        throw new QueueError(`${binding}.sendBatch: ${list.length} messages, more than the ${QUEUE_MAX_BATCH_MESSAGES} a batch may hold`);
      const encoded = list.map((m, i) =>
        encode(binding, `sendBatch message ${i}`, { ...(options.delaySeconds === undefined ? {} : { delaySeconds: options.delaySeconds }), ...m }),
      );
      await send(encoded, currentCallTrace());
    },
  };
}

function encode(binding: string, what: string, message: MessageSendRequest): QueueOutgoing {
  const where = `${binding}.${what}`;
  const contentType = message.contentType ?? 'json';
  const bytes = bodyBytes(where, contentType, message.body);
  if (bytes.byteLength > QUEUE_MAX_MESSAGE_BYTES)
    throw new QueueError(`${where}: the body is ${bytes.byteLength} bytes, more than ${QUEUE_MAX_MESSAGE_BYTES} (128 KB)`);
  const out: QueueOutgoing = { body: bytes.toString('base64'), contentType: MIME[contentType as keyof typeof MIME] };
  if (message.key !== undefined) {
    if (typeof message.key !== 'string' || message.key === '') throw new QueueError(`${where}: key must be a non-empty string`);
    out.key = message.key;
  }
  if (message.delaySeconds !== undefined) {
    const delay = message.delaySeconds;
    if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_SECONDS)
      throw new QueueError(`${where}: delaySeconds must be a whole number from 0 to ${MAX_DELAY_SECONDS}`);
    if (delay > 0) out.delaySeconds = delay;
  }
  return out;
}

function bodyBytes(where: string, contentType: QueueContentType, body: unknown): Buffer {
  switch (contentType) {
    case 'json': {
      let text: string | undefined;
      try {
        text = JSON.stringify(body);
      } catch (error) {
        throw new QueueError(`${where}: the body cannot be serialized as JSON (${(error as Error).message})`);
      }
      if (text === undefined) throw new QueueError(`${where}: the body cannot be serialized as JSON (it is ${typeof body})`);
      return Buffer.from(text, 'utf8');
    }
    case 'text':
      if (typeof body !== 'string') throw new QueueError(`${where}: a text body must be a string`);
      return Buffer.from(body, 'utf8');
    case 'bytes':
      if (body instanceof ArrayBuffer) return Buffer.from(body);
      if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      throw new QueueError(`${where}: a bytes body must be an ArrayBuffer or a typed array`);
    case 'v8':
      throw new QueueError(`${where}: contentType "v8" is not supported by Tide (a topic's consumers read json, text or bytes); use "json"`);
    default:
      throw new QueueError(`${where}: unknown contentType ${JSON.stringify(contentType)}: use json, text or bytes`);
  }
}
