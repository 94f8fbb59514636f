import { randomUUID } from 'node:crypto';
import { apply, skipInvalid } from '../fold/apply.js';
import { decodeEvent, encodeEvent } from '../encoding.js';
import { decodeSnapshot, encodeSnapshot, SnapshotFormatError } from '../snapshot.js';
import { initialState, type ClusterState, type Verdict } from '../state.js';
import type { EventEnvelope, LoggedEvent, TideEventInput } from '../events.js';
import type { SnapshotStorage, StateLog } from './ports.js';

export const STATE_TOPIC = 'tide.state';

/** An event to append: the store adds the id and time. */
export type EventInput = TideEventInput & { expect?: number | null; actor?: string; traceparent?: string; leader?: { role: string; epoch: number } };

export interface AppendResult {
  offset: number;
  verdict: Verdict;
}

export type StateListener = (event: LoggedEvent | undefined, verdict: Verdict, state: ClusterState) => void;

export interface StateStore {
  state(): ClusterState;
  /** Appends events and resolves once each was read back and judged by the fold. */
  append(events: readonly EventInput[]): Promise<AppendResult[]>;
  /** Resolves with the verdict once the fold has reached `offset`. */
  waitFor(offset: number): Promise<Verdict>;
  /** Called after every folded record (event undefined for a record that was not a valid event). */
  subscribe(listener: StateListener): () => void;
  close(): Promise<void>;
}

export interface StateStoreOptions {
  log: StateLog;
  topic?: string;
  snapshots?: SnapshotStorage;
  /** Write a snapshot every this many folded records (default 10 000). */
  snapshotEvery?: number;
  now?: () => number;
  newId?: () => string;
  onError?: (error: Error) => void;
}

const VERDICTS_KEPT = 10_000;

/** Folds the state stream: loads the newest snapshot, replays the tail, then follows the log. */
export async function openStateStore(options: StateStoreOptions): Promise<StateStore> {
  const { log, snapshots } = options;
  const topic = options.topic ?? STATE_TOPIC;
  const snapshotEvery = options.snapshotEvery ?? 10_000;
  const now = options.now ?? Date.now;
  const newId = options.newId ?? randomUUID;
  // A snapshot ahead of the log (records lost with the machine's page cache) must not be trusted.
  const end = await log.endOffset(topic);
  let state = initialState;
  const snapshot = await snapshots?.load(end - 1);
  if (snapshot) {
    try {
      state = decodeSnapshot(snapshot.bytes);
    } catch (error) {
      // A snapshot is only a cache of the fold: one this version cannot read means a full replay.
      if (!(error instanceof SnapshotFormatError)) throw error;
      options.onError?.(new Error(`ignoring the snapshot at offset ${snapshot.offset}: ${error.message}; replaying the whole log`));
    }
  }
  let lastSnapshotOffset = state.offset;
  const verdicts = new Map<number, Verdict>();
  const waiters = new Map<number, ((v: Verdict) => void)[]>();
  const listeners = new Set<StateListener>();
  const abort = new AbortController();
  let failure: Error | undefined;

  const fold = (record: { offset: number; value: Uint8Array }) => {
    const decoded = decodeEvent(record.offset, record.value);
    const result = decoded.ok ? apply(state, decoded.event) : skipInvalid(state, record.offset, decoded.reason);
    state = result.state;
    verdicts.set(record.offset, result.verdict);
    verdicts.delete(record.offset - VERDICTS_KEPT);
    for (const resolve of waiters.get(record.offset) ?? []) resolve(result.verdict);
    waiters.delete(record.offset);
    for (const listener of listeners) listener(decoded.ok ? decoded.event : undefined, result.verdict, state);
    if (snapshots && state.offset - lastSnapshotOffset >= snapshotEvery) {
      lastSnapshotOffset = state.offset;
      snapshots.save(state.offset, encodeSnapshot(state)).catch((error: Error) => options.onError?.(error));
    }
  };

  if (end > state.offset + 1) {
    for await (const record of log.read(topic, state.offset + 1, { follow: false, signal: abort.signal })) {
      fold(record);
      if (record.offset >= end - 1) break;
    }
  }
  const following = (async () => {
    try {
      for await (const record of log.read(topic, state.offset + 1, { follow: true, signal: abort.signal })) fold(record);
    } catch (error) {
      if (abort.signal.aborted) return;
      failure = error as Error;
      for (const list of waiters.values()) for (const resolve of list) resolve({ accepted: false, code: 'invalid', reason: `state stream failed: ${failure.message}` });
      waiters.clear();
      options.onError?.(failure);
    }
  })();

  const waitFor = (offset: number): Promise<Verdict> => {
    if (offset <= state.offset) {
      return Promise.resolve(verdicts.get(offset) ?? { accepted: false, code: 'invalid', reason: `verdict for offset ${offset} is no longer kept` });
    }
    if (failure) return Promise.reject(failure);
    return new Promise((resolve) => {
      const list = waiters.get(offset) ?? [];
      list.push(resolve);
      waiters.set(offset, list);
    });
  };

  return {
    state: () => state,
    async append(events) {
      const envelopes: EventEnvelope[] = events.map((e) => ({ ...e, id: newId(), time: new Date(now()).toISOString() }) as EventEnvelope);
      const offsets = await log.append(topic, envelopes.map((e) => ({ value: encodeEvent(e) })));
      return Promise.all(offsets.map(async (offset) => ({ offset, verdict: await waitFor(offset) })));
    },
    waitFor,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      abort.abort();
      await following;
    },
  };
}
