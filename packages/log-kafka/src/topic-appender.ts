/**
 * Appends to one topic's partition 0 through one kafkajs producer, one send at a time, each send
 * carrying every append that queued up meanwhile (group commit). One send in flight per topic
 * keeps call order = offset order even when kafkajs retries a send.
 */
import type { Message, Producer } from 'kafkajs';
import type { AppendRecord } from '@tide/log';
import { appendsPerSend, offsetsOf, type SendLimits } from './send-batch.js';

interface QueuedAppend {
  messages: Message[];
  bytes: number;
  resolve: (offsets: number[]) => void;
  reject: (error: unknown) => void;
}

export interface TopicAppender {
  append(records: readonly AppendRecord[]): Promise<number[]>;
  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void>;
  /** Sends made and records they carried (appends per send = group commit at work). */
  readonly sends: number;
  readonly records: number;
}

export function createTopicAppender(producer: Producer, topic: string, limits: SendLimits, failed: (error: unknown) => Error): TopicAppender {
  const queue: QueuedAppend[] = [];
  let draining: Promise<void> | undefined;
  let sends = 0;
  let sent = 0;

  const sendNext = async (): Promise<void> => {
    const batch = queue.splice(
      0,
      appendsPerSend(
        queue.map((a) => ({ records: a.messages.length, bytes: a.bytes })),
        limits,
      ),
    );
    try {
      const messages = batch.flatMap((a) => a.messages);
      const metadata = await producer.send({ topic, acks: -1, messages });
      sends++;
      sent += messages.length;
      const partition0 = metadata.find((m) => m.partition === 0);
      if (partition0?.baseOffset === undefined) throw new Error(`the broker acknowledged no offset for partition 0 (${JSON.stringify(metadata)})`);
      const offsets = offsetsOf(
        Number(partition0.baseOffset),
        batch.map((a) => a.messages.length),
      );
      batch.forEach((a, i) => a.resolve(offsets[i]!));
    } catch (error) {
      const wrapped = failed(error);
      for (const a of batch) a.reject(wrapped);
    }
  };

  const drain = async (): Promise<void> => {
    while (queue.length > 0) await sendNext();
    draining = undefined;
  };

  return {
    append(records) {
      if (records.length === 0) return Promise.resolve([]);
      const messages = records.map(toMessage);
      const bytes = messages.reduce((n, m) => n + (m.value as Buffer).byteLength + (m.key === undefined ? 0 : Buffer.byteLength(m.key as string)), 0);
      return new Promise<number[]>((resolve, reject) => {
        queue.push({ messages, bytes, resolve, reject });
        draining ??= drain();
      });
    },
    async idle() {
      await draining;
    },
    get sends() {
      return sends;
    },
    get records() {
      return sent;
    },
  };
}

function toMessage(record: AppendRecord): Message {
  const value =
    typeof record.value === 'string' ? Buffer.from(record.value, 'utf8') : Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength);
  return {
    // Every topic is one partition: the state stream needs one total order.
    partition: 0,
    value,
    ...(record.key === undefined ? {} : { key: record.key }),
    ...(record.headers === undefined ? {} : { headers: { ...record.headers } }),
  };
}
