/**
 * Consumer-group positions: `<dir>/offsets.log`, framed like segments (u32 length | u32 crc32c |
 * payload), each payload the UTF-8 JSON `{"group":string,"topic":string,"offset":number}`. The last
 * entry for a (group, topic) wins. On open the file is compacted to one entry per key when it has
 * grown big and mostly holds superseded entries.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir, isMissing, truncateFile, writeFully } from './durable-fs.js';
import { LogCorruptionError, LogWriteError } from './errors.js';
import { hasValidFrameAfter, scanFile, type FileScan } from './file-scan.js';
import { FRAME_HEADER_BYTES, writeFrameHeader, type FrameFormat } from './frame-scan.js';
import { GroupCommit } from './group-commit.js';
import type { LogWarning } from './topic-recovery.js';

export const OFFSETS_FILE = 'offsets.log';

interface OffsetEntry {
  group: string;
  topic: string;
  offset: number;
}

export const offsetEntryFormat: FrameFormat = {
  minPayloadBytes: 2,
  maxPayloadBytes: 1024 * 1024,
  isWellFormed: (buf, start, end) => parseEntry(buf, start, end) !== undefined,
};

export interface OffsetsStoreOptions {
  readOnly: boolean;
  fsync: boolean;
  /** Compact on open when the file is larger than this (and mostly superseded entries). */
  compactBytes: number;
  onWarning: (warning: LogWarning) => void;
}

export class OffsetsStore {
  readonly #positions = new Map<string, number>();
  readonly #file: string;
  #entries = 0;
  #bytes = 0;
  /** The file's inode when loaded: a readOnly instance reloads when compaction replaced the file. */
  #inode = 0;
  #handle: FileHandle | undefined;
  readonly #commit = new GroupCommit<Buffer>((frames) => this.#write(frames));

  private constructor(
    dir: string,
    private readonly options: OffsetsStoreOptions,
  ) {
    this.#file = join(dir, OFFSETS_FILE);
  }

  static async open(dir: string, options: OffsetsStoreOptions): Promise<OffsetsStore> {
    const store = new OffsetsStore(dir, options);
    await store.#load();
    if (!options.readOnly && store.#bytes > options.compactBytes && store.#entries > 2 * store.#positions.size) {
      await store.#compact();
    }
    return store;
  }

  async committed(group: string, topic: string): Promise<number | undefined> {
    if (this.options.readOnly) await this.#refresh();
    return this.#positions.get(keyOf(group, topic));
  }

  async commit(group: string, topic: string, offset: number): Promise<void> {
    const failure = this.#commit.failure;
    if (failure !== undefined) throw failure;
    await this.#commit.submit(encodeEntry({ group, topic, offset }));
    // Group commit keeps submission order, so the last commit for a key is applied last.
    this.#positions.set(keyOf(group, topic), offset);
  }

  async close(): Promise<void> {
    await this.#commit.whenIdle();
    await this.#handle?.close();
    this.#handle = undefined;
  }

  async #load(): Promise<void> {
    this.#positions.clear();
    this.#entries = 0;
    this.#inode = await stat(this.#file).then(
      (s) => s.ino,
      () => 0,
    );
    const scan = await this.#scanFrom(0);
    if (scan.problem) await this.#handleProblem(scan);
  }

  async #scanFrom(position: number): Promise<FileScan> {
    try {
      const scan = await scanFile(this.#file, offsetEntryFormat, (buf, _pos, start, end) => this.#apply(parseEntry(buf, start, end)!), position);
      this.#bytes = scan.validEnd;
      return scan;
    } catch (error) {
      if (isMissing(error)) return { validEnd: 0, count: 0, fileBytes: 0 };
      throw error;
    }
  }

  #apply(entry: OffsetEntry): void {
    this.#positions.set(keyOf(entry.group, entry.topic), entry.offset);
    this.#entries++;
  }

  async #handleProblem(scan: FileScan): Promise<void> {
    const problem = scan.problem!;
    if (await hasValidFrameAfter(this.#file, problem.position, offsetEntryFormat)) {
      throw new LogCorruptionError(this.#file, problem.position, problem.frameIndex, problem.reason);
    }
    if (this.options.readOnly) return;
    await truncateFile(this.#file, problem.position, this.options.fsync);
    this.options.onWarning({
      code: 'truncated-tail',
      message: `truncated damaged tail of ${this.#file} at byte ${problem.position} (${problem.reason})`,
      file: this.#file,
      offset: problem.position,
      recordOffset: problem.frameIndex,
      bytesRemoved: scan.fileBytes - problem.position,
      reason: problem.reason,
    });
  }

  /** readOnly: reads what the writer appended since; reloads if the file was compacted meanwhile. */
  async #refresh(): Promise<void> {
    const { size, ino } = await stat(this.#file).catch(() => ({ size: 0, ino: 0 }));
    if (ino !== this.#inode || size < this.#bytes) await this.#load();
    else if (size > this.#bytes) await this.#scanFrom(this.#bytes);
  }

  async #write(frames: readonly Buffer[]): Promise<void> {
    const data = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    try {
      this.#handle ??= await this.#openForAppend();
      await writeFully(this.#handle, data, this.#bytes);
      if (this.options.fsync) await this.#handle.datasync();
    } catch (error) {
      throw new LogWriteError(this.#file, error);
    }
    this.#bytes += data.length;
    this.#entries += frames.length;
  }

  async #openForAppend(): Promise<FileHandle> {
    try {
      return await open(this.#file, 'r+');
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    const handle = await open(this.#file, 'wx+');
    if (this.options.fsync) await fsyncDir(dirname(this.#file));
    return handle;
  }

  /** Rewrites the file with one entry per key; the rename makes the switch atomic. */
  async #compact(): Promise<void> {
    const frames: Buffer[] = [];
    for (const [key, offset] of this.#positions) frames.push(encodeEntry({ ...splitKey(key), offset }));
    const data = Buffer.concat(frames);
    const temp = `${this.#file}.compacting`;
    await rm(temp, { force: true });
    const handle = await open(temp, 'wx');
    try {
      await writeFully(handle, data, 0);
      if (this.options.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.#file);
    if (this.options.fsync) await fsyncDir(dirname(this.#file));
    this.#bytes = data.length;
    this.#entries = frames.length;
  }
}

/** Topic names cannot contain NUL, so splitting at the first NUL is unambiguous. */
function keyOf(group: string, topic: string): string {
  return `${topic}\u0000${group}`;
}

function splitKey(key: string): { group: string; topic: string } {
  const cut = key.indexOf('\u0000');
  return { topic: key.slice(0, cut), group: key.slice(cut + 1) };
}

function encodeEntry(entry: OffsetEntry): Buffer {
  const json = JSON.stringify({ group: entry.group, topic: entry.topic, offset: entry.offset });
  const payloadBytes = Buffer.byteLength(json);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadBytes);
  frame.write(json, FRAME_HEADER_BYTES);
  writeFrameHeader(frame, 0, payloadBytes);
  return frame;
}

function parseEntry(buf: Uint8Array, start: number, end: number): OffsetEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { group, topic, offset } = value as Record<string, unknown>;
  if (typeof group !== 'string' || typeof topic !== 'string') return undefined;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return undefined;
  return { group, topic, offset };
}
