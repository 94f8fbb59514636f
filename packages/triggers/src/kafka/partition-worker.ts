/**
 * The shell of one assigned partition of a Kafka trigger: takes records in (holding the bus back
 * while the window is full), starts the calls the window allows, settles their outcomes, journals
 * retry state to `tide.triggers`, and commits the watermark. On revoke or stop: no new calls, the
 * ones in flight finish (or are aborted after `drainMs`), then a last commit.
 */
import type { KafkaTriggerSpec } from '@tide/core';
import type { ConsumedRecord, TopicPartition } from '@tide/topics';
import type { EngineDeps } from '../engine.js';
import { journalKey, journalPrefix, type JournalEntry } from './core/journal-entry.js';
import {
  entry,
  nextDueAt,
  openWindow,
  pending,
  room,
  settle,
  takeReady,
  takeRecords,
  watermark,
  type PartitionWindow,
  type RecordOutcome,
  type TakenRecord,
} from './core/partition-window.js';
import { retryAt, verdictOf } from './core/retry-policy.js';
import type { RecordDelivery } from './record-delivery.js';
import type { RetryJournal } from './retry-journal.js';
import type { TriggerLabels, TriggerMetrics } from './telemetry.js';

export interface PartitionContext {
  labels: TriggerLabels;
  uid: string;
  group: string;
  spec: KafkaTriggerSpec;
  delivery: RecordDelivery;
  journal: RetryJournal;
  metrics: TriggerMetrics;
  deps: EngineDeps;
  /** Commits the partition's position; false when it is no longer assigned here. */
  commit(next: number): Promise<boolean>;
  committed(): Promise<number | undefined>;
  /** How long a drain waits for calls in flight before aborting them. */
  drainMs: number;
}

export class PartitionWorker {
  readonly #ctx: PartitionContext;
  readonly #tp: TopicPartition;
  readonly #capacity: number;
  readonly #prefix: string;
  readonly #abort = new AbortController();
  readonly #ready: Promise<void>;
  #window: PartitionWindow | undefined;
  readonly #records = new Map<number, ConsumedRecord>();
  #restored = new Map<number, JournalEntry>();
  /** Per record offset, the lowest `tide.triggers` offset holding an entry of it. */
  readonly #journalOffsets = new Map<number, number>();
  #lastJournalOffset = -1;
  #journalPosition = -1;
  readonly #calls = new Set<Promise<void>>();
  #closed = false;
  #committed: number | undefined;
  #committing: Promise<void> | undefined;
  #commitAgain = false;
  #roomWaiters: (() => void)[] = [];
  #timer: { handle: unknown; at: number } | undefined;

  constructor(ctx: PartitionContext, tp: TopicPartition) {
    this.#ctx = ctx;
    this.#tp = tp;
    this.#capacity = Math.min(5000, Math.max(256, ctx.spec.maxInFlight * ctx.spec.batchSize * 4));
    this.#prefix = journalPrefix(ctx.uid, tp.topic, tp.partition);
    this.#ready = this.#load();
  }

  /** Reads the committed position and the journal's entries from it on, before any record is taken. */
  async #load(): Promise<void> {
    try {
      this.#committed = await this.#ctx.committed();
      const from = (await this.#ctx.journal.position(this.#journalGroup())) ?? 0;
      const read = await this.#ctx.journal.read(this.#prefix, from, this.#committed ?? 0);
      this.#restored = read.entries;
      for (const [offset, logOffset] of read.logOffsets) this.#journalOffsets.set(offset, logOffset);
      this.#lastJournalOffset = read.end - 1;
      this.#journalPosition = from;
    } catch (error) {
      this.#ctx.deps.onError(new Error(`trigger ${this.#name()}: could not read its retry journal (records already done may be delivered again): ${String(error)}`, { cause: error }));
    }
  }

  /** Takes records in; resolves once the window has room again (the bus's back-pressure). */
  async take(batch: readonly ConsumedRecord[]): Promise<void> {
    await this.#ready;
    if (this.#closed || batch.length === 0) return;
    const taken: TakenRecord[] = [];
    for (const r of batch) {
      if (this.#window && r.offset < this.#window.nextOffset) continue;
      const prior = this.#restored.get(r.offset);
      this.#restored.delete(r.offset);
      if (prior?.done) {
        this.#ctx.metrics.duplicateSuppressed(this.#ctx.labels);
        taken.push({ offset: r.offset, key: r.key, done: true });
        continue;
      }
      this.#records.set(r.offset, r);
      taken.push({ offset: r.offset, key: r.key, ...(prior ? { attempts: prior.attempts, dueAt: prior.dueAt } : {}) });
    }
    this.#window = takeRecords(this.#window ?? openWindow(batch[0]!.offset), taken);
    this.#pump();
    this.#commit();
    for (let i = 0; i < 1_000_000 && !this.#closed && room(this.#window, this.#capacity) === 0; i++) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
  }

  /** Where the partition stands: the watermark (or the committed position before any record). */
  position(): number | undefined {
    return this.#window ? watermark(this.#window) : this.#committed;
  }

  /** Distinct keys waiting here (the lag's useful parallelism under key ordering). */
  pendingKeys(): number {
    return this.#window ? pending(this.#window).keys : 0;
  }

  /** No new calls; waits for those in flight (aborting them after drainMs), then commits. */
  async drain(): Promise<void> {
    this.#closed = true;
    if (this.#timer) this.#ctx.deps.clock.clearTimeout(this.#timer.handle);
    this.#wakeTakers();
    await this.#ready;
    if (this.#calls.size > 0) {
      let handle: unknown;
      const timedOut = new Promise<void>((resolve) => {
        handle = this.#ctx.deps.clock.setTimeout(resolve, this.#ctx.drainMs);
      });
      await Promise.race([Promise.all(this.#calls), timedOut]);
      this.#ctx.deps.clock.clearTimeout(handle);
      this.#abort.abort();
      await Promise.all(this.#calls);
    }
    await this.#committing;
    this.#commit();
    await this.#committing;
  }

  #pump(): void {
    if (this.#closed || !this.#window) return;
    const now = this.#ctx.deps.clock.now();
    const policy = { ordering: this.#ctx.spec.ordering, maxInFlight: this.#ctx.spec.maxInFlight, batchSize: this.#ctx.delivery.batchSize() };
    const { window, batches } = takeReady(this.#window, policy, now);
    this.#window = window;
    for (const batch of batches) {
      const call: Promise<void> = this.#deliver(batch).finally(() => this.#calls.delete(call));
      this.#calls.add(call);
    }
    this.#wakeAt(nextDueAt(this.#window, now));
  }

  async #deliver(offsets: readonly number[]): Promise<void> {
    const failedBefore = (o: number) => (this.#window ? (entry(this.#window, o)?.attempts ?? 0) : 0);
    const before = new Map(offsets.map((o) => [o, failedBefore(o)]));
    let outcomes: RecordOutcome[];
    try {
      outcomes = await this.#attempt(offsets, (o) => before.get(o) ?? 0);
    } catch (error) {
      // A bug here must not leave records in flight for ever: they are retried.
      this.#ctx.deps.onError(new Error(`trigger ${this.#name()}: delivering offsets ${offsets.join(',')} failed: ${String(error)}`, { cause: error }));
      const at = this.#ctx.deps.clock.now() + this.#ctx.spec.backoff.initialMs;
      outcomes = offsets.map((offset) => ({ offset, outcome: 'retry', retryAt: at }));
    }
    this.#window = settle(this.#window!, outcomes);
    this.#afterSettle(outcomes, before);
  }

  /** One call and what each of its records becomes: done (succeeded or dead-lettered) or retried. */
  async #attempt(offsets: readonly number[], failedBefore: (offset: number) => number): Promise<RecordOutcome[]> {
    const { spec, delivery, metrics, labels } = this.#ctx;
    const records = offsets.map((o) => this.#records.get(o)!);
    const answers = await delivery.deliver(records, failedBefore, this.#abort.signal);
    const now = this.#ctx.deps.clock.now();
    const outcomes: RecordOutcome[] = [];
    for (const record of records) {
      const answer = answers.get(record.offset) ?? { answer: 'retryable' as const, error: 'no answer for this record' };
      const failed = failedBefore(record.offset);
      // A call aborted by a drain is no attempt of the record's: it goes again, wherever the partition goes.
      const verdict = this.#abort.signal.aborted && answer.answer !== 'success' ? 'retry' : verdictOf(answer.answer, failed, spec.maxRetries);
      if (verdict === 'succeeded') {
        metrics.delivered(labels, 'succeeded', 1);
        outcomes.push({ offset: record.offset, outcome: 'done' });
      } else if (verdict === 'dead-letter' && (await delivery.deadLetter(record, answer.error ?? 'failed', failed + 1))) {
        metrics.delivered(labels, 'dead-lettered', 1);
        outcomes.push({ offset: record.offset, outcome: 'done' });
      } else {
        metrics.delivered(labels, 'retried', 1);
        metrics.retried(labels, 1);
        outcomes.push({ offset: record.offset, outcome: 'retry', retryAt: retryAt(spec.backoff, failed + 1, now, answer.delayMs) });
      }
    }
    return outcomes;
  }

  #afterSettle(outcomes: readonly RecordOutcome[], before: ReadonlyMap<number, number>): void {
    const mark = watermark(this.#window!);
    for (const o of outcomes) {
      const failed = (before.get(o.offset) ?? 0) + (o.outcome === 'retry' ? 1 : 0);
      // A record done below the watermark needs no entry: the commit passes it.
      if (o.outcome === 'done' && o.offset < mark) continue;
      const entry: JournalEntry = o.outcome === 'done' ? { attempts: failed, dueAt: 0, done: 'succeeded' } : { attempts: failed, dueAt: o.retryAt };
      this.#journal(o.offset, entry);
    }
    // Every record below the watermark is done; the map holds records in offset order.
    for (const offset of this.#records.keys()) {
      if (offset >= mark) break;
      this.#records.delete(offset);
    }
    this.#wakeTakers();
    this.#pump();
    this.#commit();
  }

  #journal(offset: number, entry: JournalEntry): void {
    const key = journalKey(this.#ctx.uid, this.#tp.topic, this.#tp.partition, offset);
    this.#ctx.journal.append(key, entry).then(
      (logOffset) => {
        this.#lastJournalOffset = Math.max(this.#lastJournalOffset, logOffset);
        const known = this.#journalOffsets.get(offset);
        if (known === undefined || logOffset < known) this.#journalOffsets.set(offset, logOffset);
      },
      (error: unknown) => this.#ctx.deps.onError(new Error(`trigger ${this.#name()}: could not journal offset ${offset}: ${String(error)}`, { cause: error })),
    );
  }

  /** Commits the watermark when it moved (one commit at a time), then the journal's read position. */
  #commit(): void {
    if (!this.#window) return;
    if (this.#committing) {
      this.#commitAgain = true;
      return;
    }
    const mark = watermark(this.#window);
    if (this.#committed !== undefined && mark <= this.#committed) return;
    this.#committing = (async () => {
      if (!(await this.#ctx.commit(mark))) return;
      this.#committed = mark;
      await this.#commitJournalPosition(mark);
    })()
      .catch((error: unknown) => this.#ctx.deps.onError(new Error(`trigger ${this.#name()}: commit of offset ${mark} failed: ${String(error)}`, { cause: error })))
      .finally(() => {
        this.#committing = undefined;
        if (this.#commitAgain) {
          this.#commitAgain = false;
          this.#commit();
        }
      });
  }

  /**
   * The journal's entries that still matter are those of offsets ≥ the committed position; the next
   * reader of this partition starts at the lowest of them (or past every entry known here), so a
   * restart reads only what the commit has not passed.
   */
  async #commitJournalPosition(committed: number): Promise<void> {
    let lowest: number | undefined;
    for (const [offset, logOffset] of this.#journalOffsets) {
      if (offset < committed) this.#journalOffsets.delete(offset);
      else if (lowest === undefined || logOffset < lowest) lowest = logOffset;
    }
    const position = lowest ?? this.#lastJournalOffset + 1;
    if (position <= this.#journalPosition) return;
    this.#journalPosition = position;
    await this.#ctx.journal.commitPosition(this.#journalGroup(), position);
  }

  #wakeAt(at: number | undefined): void {
    if (at === undefined || this.#closed) return;
    if (this.#timer && this.#timer.at <= at) return;
    if (this.#timer) this.#ctx.deps.clock.clearTimeout(this.#timer.handle);
    const handle = this.#ctx.deps.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, at - this.#ctx.deps.clock.now());
    this.#timer = { handle, at };
  }

  #wakeTakers(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  #journalGroup(): string {
    return `${this.#ctx.group}.journal.${this.#tp.topic}.${this.#tp.partition}`;
  }

  #name(): string {
    return `${this.#ctx.labels.namespace}/${this.#ctx.labels.trigger} ${this.#tp.topic}/${this.#tp.partition}`;
  }
}
