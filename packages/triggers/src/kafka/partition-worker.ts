/**
 * The shell of one assigned partition of a Kafka trigger: takes records in (holding the bus back
 * while the window is full), starts the calls the window allows, settles their outcomes, journals
 * retry state to `tide.triggers`, and commits the watermark. On revoke or stop: no new calls, the
 * ones in flight finish (or are aborted after `drainMs`), then a last commit.
 */
import type { KafkaTriggerSpec } from '@tide/core';
import type { ConsumedRecord, TopicPartition } from '@tide/topics';
import type { EngineDeps } from '../engine.js';
import type { JournalEntry } from './core/journal-entry.js';
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
import { PartitionJournal } from './partition-journal.js';
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

/** What a call made of its records, and what to journal of each (nothing for a call a drain abandoned). */
interface Attempted {
  outcomes: RecordOutcome[];
  entries: Map<number, JournalEntry>;
}

export class PartitionWorker {
  readonly #ctx: PartitionContext;
  readonly #tp: TopicPartition;
  readonly #capacity: number;
  readonly #journal: PartitionJournal;
  readonly #abort = new AbortController();
  readonly #ready: Promise<void>;
  #window: PartitionWindow | undefined;
  readonly #records = new Map<number, ConsumedRecord>();
  #restored = new Map<number, JournalEntry>();
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
    this.#journal = new PartitionJournal(ctx.journal, ctx.uid, ctx.group, tp.topic, tp.partition);
    this.#ready = this.#load();
  }

  /** Reads the committed position and the journal's entries from it on, before any record is taken. */
  async #load(): Promise<void> {
    try {
      this.#committed = await this.#ctx.committed();
      this.#restored = await this.#journal.load(this.#committed ?? 0);
    } catch (error) {
      this.#ctx.deps.onError(
        new Error(`trigger ${this.#name()}: could not read its retry journal (records already done may be delivered again): ${String(error)}`, {
          cause: error,
        }),
      );
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
    await this.#commitsDone();
    this.#commit();
    await this.#commitsDone();
    // The next owner reads the journal: what this one wrote must be there first.
    await this.#journal.settled();
  }

  /** Waits for the commit in flight and any it chained (a commit asked for while one ran). */
  async #commitsDone(): Promise<void> {
    for (let i = 0; i < 100 && this.#committing; i++) await this.#committing;
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
    const before = new Map(offsets.map((o) => [o, this.#window ? (entry(this.#window, o)?.attempts ?? 0) : 0]));
    let attempted: Attempted;
    try {
      attempted = await this.#attempt(offsets, (o) => before.get(o) ?? 0);
    } catch (error) {
      // A bug here must not leave records in flight for ever: they are retried.
      this.#ctx.deps.onError(new Error(`trigger ${this.#name()}: delivering offsets ${offsets.join(',')} failed: ${String(error)}`, { cause: error }));
      const at = this.#ctx.deps.clock.now() + this.#ctx.spec.backoff.initialMs;
      attempted = { outcomes: offsets.map((offset) => ({ offset, outcome: 'retry', retryAt: at })), entries: new Map() };
    }
    this.#window = settle(this.#window!, attempted.outcomes);
    this.#afterSettle(attempted);
  }

  /** One call and what each of its records becomes (done, or retried), with what to journal of it. */
  async #attempt(offsets: readonly number[], failedBefore: (offset: number) => number): Promise<Attempted> {
    const { spec, delivery, metrics, labels } = this.#ctx;
    const records = offsets.map((o) => this.#records.get(o)!);
    const answers = await delivery.deliver(records, failedBefore, this.#abort.signal);
    const now = this.#ctx.deps.clock.now();
    const outcomes: RecordOutcome[] = [];
    const entries = new Map<number, JournalEntry>();
    for (const record of records) {
      const answer = answers.get(record.offset) ?? { answer: 'retryable' as const, error: 'no answer for this record' };
      const failed = failedBefore(record.offset);
      if (this.#abort.signal.aborted && answer.answer !== 'success') {
        // A call aborted by a drain is no attempt of the record's: its next owner delivers it as if it never went.
        outcomes.push({ offset: record.offset, outcome: 'retry', retryAt: now });
        continue;
      }
      const verdict = verdictOf(answer.answer, failed, spec.maxRetries);
      if (verdict === 'succeeded') {
        metrics.delivered(labels, 'succeeded', 1);
        outcomes.push({ offset: record.offset, outcome: 'done' });
        entries.set(record.offset, { attempts: failed, dueAt: 0, done: 'succeeded' });
      } else if (verdict === 'dead-letter' && (await delivery.deadLetter(record, answer.error ?? 'failed', failed + 1))) {
        metrics.delivered(labels, 'dead-lettered', 1);
        outcomes.push({ offset: record.offset, outcome: 'done' });
        entries.set(record.offset, { attempts: failed + 1, dueAt: 0, done: 'dead-lettered' });
      } else {
        metrics.delivered(labels, 'retried', 1);
        metrics.retried(labels, 1);
        const at = retryAt(spec.backoff, failed + 1, now, answer.delayMs);
        outcomes.push({ offset: record.offset, outcome: 'retry', retryAt: at });
        entries.set(record.offset, { attempts: failed + 1, dueAt: at });
      }
    }
    return { outcomes, entries };
  }

  #afterSettle({ entries }: Attempted): void {
    const mark = watermark(this.#window!);
    for (const [offset, entry] of entries) {
      // A record done below the watermark needs no entry: the commit passes it.
      if (entry.done && offset < mark) continue;
      this.#journal.write(offset, entry, (error) =>
        this.#ctx.deps.onError(new Error(`trigger ${this.#name()}: could not journal offset ${offset}: ${String(error)}`, { cause: error })),
      );
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
      await this.#journal.committed(mark);
    })()
      .catch((error: unknown) =>
        this.#ctx.deps.onError(new Error(`trigger ${this.#name()}: commit of offset ${mark} failed: ${String(error)}`, { cause: error })),
      )
      .finally(() => {
        this.#committing = undefined;
        if (this.#commitAgain) {
          this.#commitAgain = false;
          this.#commit();
        }
      });
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

  #name(): string {
    return `${this.#ctx.labels.namespace}/${this.#ctx.labels.trigger} ${this.#tp.topic}/${this.#tp.partition}`;
  }
}
