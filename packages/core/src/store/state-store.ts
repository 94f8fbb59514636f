import { randomUUID } from 'node:crypto';
import { apply, skipInvalid } from '../fold/apply.js';
import { RULE_BOOK, type RuleBook } from '../fold/rules.js';
import { decodeEvent, encodeEvent } from '../encoding.js';
import { createRecentVerdicts } from './recent-verdicts.js';
import { decodeSnapshot, SnapshotFormatError } from '../snapshot.js';
import { createSnapshotWriter } from './snapshot-writer.js';
import { initialState, type ClusterState, type Verdict } from '../state.js';
import type { EventEnvelope, LoggedEvent, TideEventInput } from '../events.js';
import type { Clock, SnapshotStorage, StateLog } from './ports.js';
import { followTopic } from './follow-topic.js';
import { WRITER_HEADER } from '../auth/principal.js';
import { systemClock } from './system-clock.js';

export const STATE_TOPIC = 'tide.state';

/** An event to append: the store adds the id and time. */
export type EventInput = TideEventInput & { expect?: number | null; actor?: string; traceparent?: string; leader?: { role: string; epoch: number } };

export interface AppendResult {
  /** -1 when nothing was appended: the store refuses writes once its fold halted (FoldHalt). */
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
  /**
   * Called after every folded record (event undefined for a record that was not a valid event),
   * and once with the empty state when the store starts over because the log lost its history.
   */
  subscribe(listener: StateListener): () => void;
  /** Called when the store starts over from an empty state: the log no longer holds what was folded. */
  onReset(listener: (reason: Error) => void): () => void;
  close(): Promise<void>;
}

export interface StateStoreOptions {
  log: StateLog;
  topic?: string;
  snapshots?: SnapshotStorage;
  /** Write a snapshot every this many folded records (default 10 000)... */
  snapshotEvery?: number;
  /**
   * ...or once the records folded since the last one hold this many bytes (default 32 MiB), so a
   * restart after a flood of large applies replays little whatever the count.
   */
  snapshotEveryBytes?: number;
  /** Stamps appended events' time and paces the follower's retries (default the system clock). */
  clock?: Clock;
  newId?: () => string;
  onError?: (error: Error) => void;
  /** The versions of the fold's rules this process knows (default: this build's). */
  rules?: RuleBook;
  /**
   * Who this process is (auth/principal.ts writerOf), stamped on what it appends when it writes to
   * the log directly (Kafka): the fold judges its rights by it. Absent = a control plane. Through
   * a control plane's log API the server stamps it instead, whatever the client says.
   */
  writer?: string;
}

/**
 * A write whose fate is unknown: the log lost its history (a Kafka cluster that lost its data)
 * while the write waited to be judged, or the append landed in the new history at an offset
 * this store had already folded from the old one. The store starts over; retry the write.
 */
export class StateStreamResetError extends Error {
  override readonly name = 'StateStreamResetError';
  constructor(message: string) {
    super(`the state stream lost its history: ${message}; this write's outcome is unknown, retry it`);
  }
}

const VERDICTS_KEPT = 10_000;

/** Folds the state stream: loads the newest snapshot, replays the tail, then follows the log. */
export async function openStateStore(options: StateStoreOptions): Promise<StateStore> {
  const { log, snapshots } = options;
  const topic = options.topic ?? STATE_TOPIC;
  const snapshotEvery = options.snapshotEvery ?? 10_000;
  const snapshotEveryBytes = options.snapshotEveryBytes ?? 32 * 1024 * 1024;
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? randomUUID;
  const rules = options.rules ?? RULE_BOOK;
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
    // Folded under rules this process does not know: replaying the log halts at the switch instead.
    if (!rules.has(state.rulesVersion)) {
      options.onError?.(
        new Error(
          `ignoring the snapshot at offset ${snapshot.offset}: it was folded under rules version ${state.rulesVersion}, which this process does not know; replaying the whole log`,
        ),
      );
      state = initialState;
    }
  }
  let lastSnapshotOffset = state.offset;
  let bytesSinceSnapshot = 0;
  const snapshotWriter = snapshots ? createSnapshotWriter(snapshots, clock, (error) => options.onError?.(error)) : undefined;
  const verdicts = createRecentVerdicts(VERDICTS_KEPT);
  const waiters = new Map<number, { resolve: (v: Verdict) => void; reject: (e: Error) => void }[]>();
  const listeners = new Set<StateListener>();
  const resetListeners = new Set<(reason: Error) => void>();
  const abort = new AbortController();

  const fold = (record: { offset: number; value: Uint8Array; headers?: Readonly<Record<string, string>> }) => {
    const decoded = decodeEvent(record.offset, record.value, record.headers?.[WRITER_HEADER]);
    const result = decoded.ok ? apply(state, decoded.event, rules) : skipInvalid(state, record.offset, decoded.reason);
    // Said once; from here on every write is refused with the same reason (see FoldHalt).
    if (result.state.halted && !state.halted) options.onError?.(new Error(result.state.halted.reason));
    state = result.state;
    verdicts.set(record.offset, result.verdict);
    const waiting = waiters.get(record.offset);
    if (waiting) {
      for (const waiter of waiting) waiter.resolve(result.verdict);
      waiters.delete(record.offset);
    }
    for (const listener of listeners) listener(decoded.ok ? decoded.event : undefined, result.verdict, state);
    bytesSinceSnapshot += record.value.byteLength;
    if (snapshotWriter && (state.offset - lastSnapshotOffset >= snapshotEvery || bytesSinceSnapshot >= snapshotEveryBytes)) {
      lastSnapshotOffset = state.offset;
      bytesSinceSnapshot = 0;
      snapshotWriter.write(state);
    }
  };

  /** The log lost what was folded: start over from the empty state, failing writes in flight. */
  const reset = (reason: string) => {
    const error = new StateStreamResetError(reason);
    state = initialState;
    lastSnapshotOffset = state.offset;
    bytesSinceSnapshot = 0;
    verdicts.clear();
    for (const list of waiters.values()) for (const waiter of list) waiter.reject(error);
    waiters.clear();
    for (const listener of listeners) listener(undefined, { accepted: false, code: 'invalid', reason: error.message }, state);
    for (const listener of resetListeners) listener(error);
  };

  if (end > state.offset + 1) {
    for await (const record of log.read(topic, state.offset + 1, { follow: false, signal: abort.signal })) {
      fold(record);
      if (record.offset >= end - 1) break;
    }
  }
  const following = followTopic(log, topic, {
    name: 'state store',
    from: state.offset + 1,
    onRecord: fold,
    signal: abort.signal,
    clock,
    onRewound: () => reset(`${topic} no longer holds the ${state.offset + 1} records this process had folded`),
    ...(options.onError ? { onError: options.onError } : {}),
  });

  const waitFor = (offset: number): Promise<Verdict> => {
    if (offset <= state.offset) {
      return Promise.resolve(verdicts.get(offset) ?? { accepted: false, code: 'invalid', reason: `verdict for offset ${offset} is no longer kept` });
    }
    return new Promise((resolve, reject) => {
      const list = waiters.get(offset) ?? [];
      list.push({ resolve, reject });
      waiters.set(offset, list);
    });
  };

  return {
    state: () => state,
    async append(events) {
      // Its view of the cluster stopped at a switch of rules it does not know: it must not write from it.
      const halted = state.halted;
      if (halted) return events.map(() => ({ offset: -1, verdict: { accepted: false, code: 'unsupported-rules', reason: halted.reason } }) as AppendResult);
      const envelopes: EventEnvelope[] = events.map((e) => ({ ...e, id: newId(), time: new Date(clock.now()).toISOString() }) as EventEnvelope);
      const folded = state.offset;
      const offsets = await log.append(
        topic,
        envelopes.map((e) => ({ value: encodeEvent(e), ...(options.writer === undefined ? {} : { headers: { [WRITER_HEADER]: options.writer } }) })),
      );
      // A log appends after everything already in it: an offset this store folded before the append
      // began belongs to another history (the reader is about to find that out and start over).
      if (offsets.some((offset) => offset <= folded))
        throw new StateStreamResetError(`the append landed at offset ${offsets[0]}, which this process had already folded`);
      return Promise.all(offsets.map(async (offset) => ({ offset, verdict: await waitFor(offset) })));
    },
    waitFor,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onReset(listener) {
      resetListeners.add(listener);
      return () => resetListeners.delete(listener);
    },
    async close() {
      abort.abort();
      await following;
      await snapshotWriter?.close();
    },
  };
}
