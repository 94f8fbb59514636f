/**
 * The embedded event log: one directory on local disk, one writer process (LOCK), any number of
 * readOnly readers. Layout:
 *
 *   <dir>/LOCK                         the writer's pid
 *   <dir>/topics/<topic>/<base>.seg    records, framed (record-codec.ts), named by base offset
 *   <dir>/offsets.log                  consumer-group positions (offsets-store.ts)
 */
import { mkdir } from 'node:fs/promises';
import { fsyncDir } from './durable-fs.js';
import { InvalidRecordError, LogClosedError, LogReadOnlyError } from './errors.js';
import type { AppendRecord, EventLog, LogRecord, ReadOptions } from './event-log.js';
import { acquireLock, type DirLock } from './lock-file.js';
import { sleep } from './notifier.js';
import { OffsetsStore } from './offsets-store.js';
import { assertTopicName, listTopicNames, topicDir, topicsDir } from './segment-files.js';
import { Topic } from './topic.js';
import { refreshTopic } from './topic-follower.js';
import { readTopic, type ReadSource } from './topic-reader.js';
import { recoverTopic, type LogWarning } from './topic-recovery.js';
import { TopicWriter, type WriteStats } from './topic-writer.js';

export interface EmbeddedLogOptions {
  /** A segment file is rolled when the next batch would take it past this size (default 64 MiB). */
  segmentBytes?: number;
  /** fdatasync each batch before acknowledging it (default true). Off only for tests and scratch data. */
  fsync?: boolean;
  /** Read without taking the writer lock, e.g. from another process than the writer (default false). */
  readOnly?: boolean;
  /** Record timestamps, in ms since the epoch (default Date.now). */
  clock?: () => number;
  /** Told when open cut off a damaged tail (default: process.emitWarning). */
  onWarning?: (warning: LogWarning) => void;
  /** How often a readOnly instance looks for records another process appended (default 50 ms). */
  pollIntervalMs?: number;
  /**
   * Verify checksums again on every read (default false: open and readOnly refresh already verify
   * every record once, and records this instance wrote are known good).
   */
  verifyReads?: boolean;
  /** Compact offsets.log on open once it is bigger than this (default 1 MiB). */
  offsetsCompactBytes?: number;
  /**
   * Topics that keep only their newest records (samples, heartbeats; never a state stream): once a
   * topic holds more than `maxBytes`, its oldest segments are deleted, and its segments roll at a
   * quarter of that so no more than about that much is kept. Reads of deleted offsets start at the
   * oldest kept, as Kafka's retention does.
   */
  retention?: Readonly<Record<string, { maxBytes: number }>>;
}

export interface EmbeddedLogStats {
  /** Write+fsync batches so far: appends per batch = appendedRecords / appendBatches. */
  appendBatches: number;
  appendedRecords: number;
  appendedBytes: number;
}

export interface EmbeddedLog extends EventLog {
  readonly dir: string;
  readonly readOnly: boolean;
  /** Topics that exist on disk. */
  topics(): Promise<string[]>;
  stats(): EmbeddedLogStats;
}

interface Settings {
  segmentBytes: number;
  fsync: boolean;
  readOnly: boolean;
  clock: () => number;
  onWarning: (warning: LogWarning) => void;
  pollIntervalMs: number;
  verifyReads: boolean;
  offsetsCompactBytes: number;
  retention: Readonly<Record<string, { maxBytes: number }>>;
}

export async function openEmbeddedLog(dir: string, options: EmbeddedLogOptions = {}): Promise<EmbeddedLog> {
  const settings = settingsOf(options);
  if (!settings.readOnly) {
    await mkdir(topicsDir(dir), { recursive: true });
    if (settings.fsync) await fsyncDir(dir);
  }
  const lock = settings.readOnly ? undefined : await acquireLock(dir);
  try {
    const recovery = { readOnly: settings.readOnly, fsync: settings.fsync, onWarning: settings.onWarning };
    const topics = new Map<string, Topic>();
    for (const name of await listTopicNames(dir)) topics.set(name, await recoverTopic(dir, name, recovery));
    const offsets = await OffsetsStore.open(dir, { ...recovery, compactBytes: settings.offsetsCompactBytes });
    return new DirectoryLog(dir, settings, topics, offsets, lock);
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

function settingsOf(options: EmbeddedLogOptions): Settings {
  const segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= 0) {
    throw new RangeError(`segmentBytes must be a positive integer, got ${segmentBytes}`);
  }
  return {
    segmentBytes,
    fsync: options.fsync ?? true,
    readOnly: options.readOnly ?? false,
    clock: options.clock ?? Date.now,
    onWarning: options.onWarning ?? ((w) => process.emitWarning(w.message, { code: 'TIDE_LOG_TRUNCATED' })),
    pollIntervalMs: options.pollIntervalMs ?? 50,
    verifyReads: options.verifyReads ?? false,
    offsetsCompactBytes: options.offsetsCompactBytes ?? 1024 * 1024,
    retention: retentionOf(options.retention ?? {}),
  };
}

function retentionOf(retention: Readonly<Record<string, { maxBytes: number }>>): Readonly<Record<string, { maxBytes: number }>> {
  for (const [topic, { maxBytes }] of Object.entries(retention)) {
    assertTopicName(topic);
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`retention of ${topic}: maxBytes must be a positive integer, got ${maxBytes}`);
  }
  return retention;
}

class DirectoryLog implements EmbeddedLog {
  readonly readOnly: boolean;
  readonly #writers = new Map<string, TopicWriter>();
  readonly #refreshing = new Map<string, Promise<void>>();
  readonly #stats: WriteStats = { batches: 0, records: 0, bytes: 0 };
  /** Aborted once close has flushed: ends every reader. */
  readonly #closed = new AbortController();
  #closing: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly settings: Settings,
    private readonly topicsByName: Map<string, Topic>,
    private readonly offsets: OffsetsStore,
    private readonly lock: DirLock | undefined,
  ) {
    this.readOnly = settings.readOnly;
  }

  async append(topic: string, records: readonly AppendRecord[]): Promise<number[]> {
    this.#assertWritable('append');
    assertTopicName(topic);
    if (!Array.isArray(records)) throw new InvalidRecordError(topic, 0, 'records must be an array');
    return this.#writer(topic).append(records);
  }

  read(topic: string, fromOffset: number, options: ReadOptions = {}): AsyncIterable<LogRecord> {
    assertTopicName(topic);
    assertOffset('fromOffset', fromOffset);
    const source = this.readOnly ? this.#pollingSource(topic) : this.#inProcessSource(topic);
    return readTopic(source, fromOffset, {
      follow: options.follow ?? true,
      signals: [options.signal, this.#closed.signal],
      verify: this.settings.verifyReads,
    });
  }

  async endOffset(topic: string): Promise<number> {
    assertTopicName(topic);
    if (this.readOnly) await this.#refresh(topic);
    return this.#topic(topic).endOffset;
  }

  async commitOffset(group: string, topic: string, offset: number): Promise<void> {
    this.#assertWritable('commitOffset');
    assertGroup(group);
    assertTopicName(topic);
    assertOffset('offset', offset);
    await this.offsets.commit(group, topic, offset);
  }

  async committedOffset(group: string, topic: string): Promise<number | undefined> {
    assertGroup(group);
    assertTopicName(topic);
    return this.offsets.committed(group, topic);
  }

  topics(): Promise<string[]> {
    return listTopicNames(this.dir);
  }

  stats(): EmbeddedLogStats {
    return { appendBatches: this.#stats.batches, appendedRecords: this.#stats.records, appendedBytes: this.#stats.bytes };
  }

  /** Flushes queued appends and commits, ends readers, releases the lock. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    try {
      await Promise.all([...this.#writers.values()].map((w) => w.close()));
      await this.offsets.close();
    } finally {
      this.#closed.abort();
      await this.lock?.release();
    }
  }

  #assertWritable(operation: string): void {
    if (this.readOnly) throw new LogReadOnlyError(this.dir, operation);
    if (this.#closing) throw new LogClosedError(this.dir);
  }

  #topic(name: string): Topic {
    let topic = this.topicsByName.get(name);
    if (!topic) {
      topic = new Topic(name, topicDir(this.dir, name));
      this.topicsByName.set(name, topic);
    }
    return topic;
  }

  #writer(name: string): TopicWriter {
    let writer = this.#writers.get(name);
    if (!writer) {
      const retain = this.settings.retention[name]?.maxBytes;
      const options = retain === undefined ? this.settings : { ...this.settings, segmentBytes: Math.max(1, Math.floor(retain / 4)), retainBytes: retain };
      writer = new TopicWriter(this.#topic(name), options, this.#stats);
      this.#writers.set(name, writer);
    }
    return writer;
  }

  /** The writer's own readers are woken by its appends. */
  #inProcessSource(name: string): ReadSource {
    const topic = this.#topic(name);
    return { topic: () => topic, waitForMore: (signal) => topic.changed.wait(signal) };
  }

  /** A readOnly instance polls the files, since the writer may be another process. */
  #pollingSource(name: string): ReadSource {
    return {
      prepare: () => this.#refresh(name),
      topic: () => this.#topic(name),
      waitForMore: async (signal) => {
        await sleep(this.settings.pollIntervalMs, signal);
        if (!signal.aborted) await this.#refresh(name);
      },
    };
  }

  /** One refresh per topic at a time, shared by every reader waiting on it. */
  #refresh(name: string): Promise<void> {
    let pending = this.#refreshing.get(name);
    if (!pending) {
      pending = refreshTopic(this.#topic(name)).finally(() => this.#refreshing.delete(name));
      this.#refreshing.set(name, pending);
    }
    return pending;
  }
}

function assertOffset(name: string, offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${offset}`);
  }
}

function assertGroup(group: string): void {
  if (typeof group !== 'string' || group.length === 0) {
    throw new RangeError(`consumer group must be a non-empty string, got ${JSON.stringify(group)}`);
  }
}
