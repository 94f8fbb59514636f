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
 * Picks the calls to start now and marks their records in flight (while calls are in flight, only
 * whole batches). `key`: a record goes only when
 * every earlier record of its key is done (a null key orders nothing, as Kafka's round-robin);
 * a batch holds at most one record per key. `partition`: one record at a time. `none`: any.
 */
export function takeReady(window: PartitionWindow, policy: DeliveryPolicy, now: number): { window: PartitionWindow; batches: number[][] } {
  const free = policy.maxInFlight - window.callsInFlight;
  if (free <= 0) return { window, batches: [] };
  const size = policy.ordering === 'partition' ? 1 : Math.max(1, policy.batchSize);
  const readyNow = readyIndexes(window, policy.ordering, now, free * size);
  // While calls are in flight only whole batches go: records arriving meanwhile wait for a call to
  // end or for a batch to fill, instead of going a few at a time in many small calls (Kafka's
  // producer lingers the same way). An idle partition sends even one record at once, so a lone
  // record is not delayed.
  const whole = window.callsInFlight > 0 ? readyNow.length - (readyNow.length % size) : readyNow.length;
  const ready = readyNow.slice(0, whole);
  if (ready.length === 0) return { window, batches: [] };
  const entries = [...window.entries];
  for (const i of ready) entries[i] = { ...entries[i]!, phase: 'in-flight' };
  const offsets = ready.map((i) => entries[i]!.offset);
  const batches: number[][] = [];
  for (let i = 0; i < offsets.length; i += size) batches.push(offsets.slice(i, i + size));
  return { window: { ...window, entries, callsInFlight: window.callsInFlight + batches.length }, batches };
}

/** Indexes of the entries that may go now, in offset order, at most `limit` of them. */
function readyIndexes(window: PartitionWindow, ordering: Ordering, now: number, limit: number): number[] {
  const { entries } = window;
  const due = (e: WindowEntry) => e.phase === 'waiting' && e.dueAt <= now;
  if (ordering === 'partition') {
    if (window.callsInFlight > 0) return [];
    const head = entries.findIndex((e) => e.phase !== 'done');
    return head >= 0 && due(entries[head]!) ? [head] : [];
  }
  const ready: number[] = [];
  const busyKeys = new Set<string>();
  for (let i = 0; i < entries.length && ready.length < limit; i++) {
    const e = entries[i]!;
    if (e.phase === 'done') continue;
    // A null key orders nothing (as Kafka's round-robin); under `none` no key does.
    if (ordering === 'key' && e.key !== null) {
      if (busyKeys.has(e.key)) continue;
      busyKeys.add(e.key);
    }
    if (due(e)) ready.push(i);
  }
  return ready;
}

/** What became of one record of a call. `retry` carries the delay before the next attempt. */
export type RecordOutcome = { offset: number; outcome: 'done' } | { offset: number; outcome: 'retry'; retryAt: number };

/** Ends one call: its records become done or wait for their retry; done ones at the front leave the window. */
export function settle(window: PartitionWindow, outcomes: readonly RecordOutcome[]): PartitionWindow {
  const entries = [...window.entries];
  for (const o of outcomes) {
    const i = indexOf(entries, o.offset);
    const e = entries[i];
    if (e?.phase !== 'in-flight') continue;
    entries[i] = o.outcome === 'done' ? { ...e, phase: 'done' } : { ...e, phase: 'waiting', attempts: e.attempts + 1, dueAt: o.retryAt };
  }
  return dropDonePrefix({ ...window, entries, callsInFlight: Math.max(0, window.callsInFlight - 1) });
}

/** Where `offset` is in entries kept in offset order (binary search), or -1. */
function indexOf(entries: readonly WindowEntry[], offset: number): number {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = entries[mid]!.offset;
    if (at === offset) return mid;
    if (at < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The entry of one offset, if the window holds it. */
export function entry(window: PartitionWindow, offset: number): WindowEntry | undefined {
  return window.entries[indexOf(window.entries, offset)];
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
