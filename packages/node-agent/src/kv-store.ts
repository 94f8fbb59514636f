import { applyKvRecord, decodeKvRecord, emptyKvView, encodeKvRecord, followTopic, KV_TOPIC, kvRecordKey, type KvView } from '@tide/core';
import type { KvCallMessage, KvReplyMessage } from '@tide/runtime';
import type { Clock } from './clock.js';
import { decideKvCall, type KvCaller } from './core/kv-call.js';

/** What the KV store needs of the node's log: appends, and tailing reads of the KV topic. */
export interface KvLog {
  append(topic: string, records: readonly { value: Uint8Array; key?: string }[]): Promise<number[]>;
  read(topic: string, fromOffset: number, options?: { follow?: boolean; signal?: AbortSignal }): AsyncIterable<{ offset: number; value: Uint8Array }>;
}

export interface KvStore {
  /** Answers one KV call of a pod; a put or delete answers once this node's view has folded it. */
  answer(caller: KvCaller, call: KvCallMessage): Promise<KvReplyMessage>;
  close(): Promise<void>;
}

/**
 * A node's view of the KV topic, folded as it is followed: reads are answered from it (eventually
 * consistent across nodes, as Workers KV is), and a writer's own write is in it before it is
 * acknowledged (read-your-writes).
 */
export function openKvStore(options: { log: KvLog; clock: Clock; onError?: (error: Error) => void }): KvStore {
  const { log, clock } = options;
  let view: KvView = emptyKvView();
  let folded = -1;
  const waiters = new Set<{ offset: number; resolve: () => void }>();
  const stop = new AbortController();

  const following = followTopic(log, KV_TOPIC, {
    name: 'KV view',
    from: 0,
    signal: stop.signal,
    clock,
    ...(options.onError ? { onError: options.onError } : {}),
    onRewound: () => {
      view = emptyKvView();
    },
    onRecord: (record) => {
      const kv = decodeKvRecord(record.value);
      if (kv) view = applyKvRecord(view, kv);
      folded = record.offset;
      for (const waiter of waiters) if (waiter.offset <= folded) waiters.delete(waiter), waiter.resolve();
    },
  });

  /** Resolves once the view holds `offset`; rejects if the store closes first. */
  const foldedPast = (offset: number) =>
    offset <= folded
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const stopping = () => (waiters.delete(waiter), reject(new Error('the node is stopping')));
          const waiter = {
            offset,
            resolve: () => {
              stop.signal.removeEventListener('abort', stopping);
              resolve();
            },
          };
          waiters.add(waiter);
          stop.signal.addEventListener('abort', stopping, { once: true });
        });

  return {
    async answer(caller, call) {
      const decision = decideKvCall(call, caller, view, clock.now());
      if (decision.type === 'refuse') return { type: 'kv-result', id: call.id, ok: false, error: decision.error };
      if (decision.type === 'answer') return { type: 'kv-result', id: call.id, ok: true, result: decision.result };
      try {
        const [offset] = await log.append(KV_TOPIC, [{ key: kvRecordKey(decision.record), value: encodeKvRecord(decision.record) }]);
        await foldedPast(offset!);
        return { type: 'kv-result', id: call.id, ok: true, result: null };
      } catch (error) {
        return {
          type: 'kv-result',
          id: call.id,
          ok: false,
          error: `KV ${call.op} of ${JSON.stringify(decision.record.key)} failed: ${(error as Error).message}`,
        };
      }
    },
    async close() {
      stop.abort();
      await following;
    },
  };
}
