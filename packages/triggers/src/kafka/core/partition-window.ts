/**
 * One partition's window of a Kafka trigger: the records taken in (offset order) and not yet
 * committed, what each one is doing, and what may be delivered next. Pure: the shell takes records
 * in, asks `takeReady` what to deliver, and `settle`s each call's outcome; the commit position is
 * `watermark`, the lowest offset not yet done, so a commit never passes a record that could still
 * be lost.
 */

export type Ordering = 'key' | 'partition' | 'none';

/**
 * `waiting`: may be delivered once `dueAt` has come (and its key is free). `in-flight`: in a call.
 * `done`: succeeded or dead-lettered; kept until every record before it is done too.
 */
export type Phase = 'waiting' | 'in-flight' | 'done';

export interface WindowEntry {
  offset: number;
  key: string | null;
  phase: Phase;
  /** Attempts that failed so far (a retry is attempt `attempts + 1`). */
  attempts: number;
  /** Epoch ms before which a waiting record is not delivered (its back-off). */
  dueAt: number;
}

export interface PartitionWindow {
  /** Offset order; the first is the watermark's record unless the window is empty. */
  entries: readonly WindowEntry[];
  /** The offset after the last record taken in: the watermark when every entry is done. */
  nextOffset: number;
  /** Calls in flight (a queue batch is one call). */
  callsInFlight: number;
}

export interface DeliveryPolicy {
  ordering: Ordering;
  /** Calls in flight at once in this partition. */
  maxInFlight: number;
  /** Records per call (1 for CloudEvents). */
  batchSize: number;
}

/** A record as taken in, with what the retry journal remembered of it (after a rebalance or restart). */
export interface TakenRecord {
  offset: number;
  key: string | null;
  /** Failed attempts already made. */
  attempts?: number;
  /** Already succeeded or dead-lettered: kept only so the watermark can pass it. */
  done?: boolean;
  dueAt?: number;
}

export function openWindow(startOffset: number): PartitionWindow {
  return { entries: [], nextOffset: startOffset, callsInFlight: 0 };
}

/** Adds records in offset order; ones before `nextOffset` (seen already) are ignored. */
export function takeRecords(window: PartitionWindow, records: readonly TakenRecord[]): PartitionWindow {
  const entries = [...window.entries];
  let nextOffset = window.nextOffset;
  for (const r of records) {
    if (r.offset < nextOffset) continue;
    entries.push({ offset: r.offset, key: r.key, phase: r.done ? 'done' : 'waiting', attempts: r.attempts ?? 0, dueAt: r.dueAt ?? 0 });
    nextOffset = r.offset + 1;
  }
  return dropDonePrefix({ ...window, entries, nextOffset });
}

/** The commit position: the lowest offset not yet done (Kafka's "next offset wanted"). */
export function watermark(window: PartitionWindow): number {
  const first = window.entries.find((e) => e.phase !== 'done');
  return first ? first.offset : window.nextOffset;
}

/** How many more records the window can take (back-pressure: the shell stops reading at 0). */
export function room(window: PartitionWindow, capacity: number): number {
  return Math.max(0, capacity - window.entries.length);
}

/**
 * Picks the calls to start now and marks their records in flight. `key`: a record goes only when
 * every earlier record of its key is done (a null key orders nothing, as Kafka's round-robin);
 * a batch holds at most one record per key. `partition`: one record at a time. `none`: any.
 */
export function takeReady(window: PartitionWindow, policy: DeliveryPolicy, now: number): { window: PartitionWindow; batches: number[][] } {
  const free = policy.maxInFlight - window.callsInFlight;
  if (free <= 0) return { window, batches: [] };
  const ready = readyOffsets(window, policy.ordering, now);
  const size = policy.ordering === 'partition' ? 1 : Math.max(1, policy.batchSize);
  const batches: number[][] = [];
  for (let i = 0; i < ready.length && batches.length < free; i += size) batches.push(ready.slice(i, i + size));
  if (batches.length === 0) return { window, batches };
  const started = new Set(batches.flat());
  const entries = window.entries.map((e) => (started.has(e.offset) ? { ...e, phase: 'in-flight' as const } : e));
  return { window: { ...window, entries, callsInFlight: window.callsInFlight + batches.length }, batches };
}

function readyOffsets(window: PartitionWindow, ordering: Ordering, now: number): number[] {
  const due = (e: WindowEntry) => e.phase === 'waiting' && e.dueAt <= now;
  if (ordering === 'partition') {
    if (window.callsInFlight > 0) return [];
    const head = window.entries.find((e) => e.phase !== 'done');
    return head && due(head) ? [head.offset] : [];
  }
  if (ordering === 'none') return window.entries.filter(due).map((e) => e.offset);
  const busyKeys = new Set<string>();
  const ready: number[] = [];
  for (const e of window.entries) {
    if (e.phase === 'done') continue;
    if (e.key === null) {
      if (due(e)) ready.push(e.offset);
      continue;
    }
    if (busyKeys.has(e.key)) continue;
    busyKeys.add(e.key);
    if (due(e)) ready.push(e.offset);
  }
  return ready;
}

/** What became of one record of a call. `retry` carries the delay before the next attempt. */
export type RecordOutcome = { offset: number; outcome: 'done' } | { offset: number; outcome: 'retry'; retryAt: number };

/** Ends one call: its records become done or wait for their retry; done ones at the front leave the window. */
export function settle(window: PartitionWindow, outcomes: readonly RecordOutcome[]): PartitionWindow {
  const byOffset = new Map(outcomes.map((o) => [o.offset, o]));
  const entries = window.entries.map((e): WindowEntry => {
    const o = byOffset.get(e.offset);
    if (!o || e.phase !== 'in-flight') return e;
    return o.outcome === 'done' ? { ...e, phase: 'done' } : { ...e, phase: 'waiting', attempts: e.attempts + 1, dueAt: o.retryAt };
  });
  return dropDonePrefix({ ...window, entries, callsInFlight: Math.max(0, window.callsInFlight - 1) });
}

/** The entry of one offset, if the window holds it. */
export function entry(window: PartitionWindow, offset: number): WindowEntry | undefined {
  return window.entries.find((e) => e.offset === offset);
}

/** Earliest `dueAt` of a waiting record in the future, for the shell's wake-up timer. */
export function nextDueAt(window: PartitionWindow, now: number): number | undefined {
  let next: number | undefined;
  for (const e of window.entries) if (e.phase === 'waiting' && e.dueAt > now && (next === undefined || e.dueAt < next)) next = e.dueAt;
  return next;
}

/** Records not yet done, and the distinct keys among them (a null key counts alone): the lag's parallelism. */
export function pending(window: PartitionWindow): { records: number; keys: number } {
  const keys = new Set<string>();
  let records = 0;
  let nullKeys = 0;
  for (const e of window.entries) {
    if (e.phase === 'done') continue;
    records++;
    if (e.key === null) nullKeys++;
    else keys.add(e.key);
  }
  return { records, keys: keys.size + nullKeys };
}

function dropDonePrefix(window: PartitionWindow): PartitionWindow {
  let i = 0;
  while (i < window.entries.length && window.entries[i]!.phase === 'done') i++;
  return i === 0 ? window : { ...window, entries: window.entries.slice(i) };
}
