import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from './crc32c.js';

/** Snapshots of a fold, beside the log: one file per offset, `u32 crc32c | bytes`, written atomically. */
export interface SnapshotFiles {
  load(maxOffset?: number): Promise<{ offset: number; bytes: Uint8Array } | undefined>;
  /**
   * Writes to a temporary file as the chunks come, fsyncs, then renames: a crash leaves the old
   * snapshot or the new one whole. Chunks that fail (the source throws) leave no file behind.
   */
  save(offset: number, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void>;
  /** Offsets of the snapshots kept, oldest first. */
  list(): Promise<number[]>;
  /** Deletes the snapshots at or after `offset`: a log cut there must not be read through them. */
  discardFrom(offset: number): Promise<number[]>;
}

const NAME = /^state-(\d{20})\.snap$/;
/** `u32 crc32c` of the bytes after it. */
const HEADER_BYTES = 4;

/** Writes all of `bytes` at `position` (a write may take only part of them). */
async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let written = 0; written < bytes.length; ) written += (await handle.write(bytes, written, bytes.length - written, position + written)).bytesWritten;
}

export async function openSnapshotFiles(dir: string, options: { keep?: number; onWarning?: (message: string) => void } = {}): Promise<SnapshotFiles> {
  const keep = options.keep ?? 2;
  await mkdir(dir, { recursive: true });
  const list = async () =>
    (await readdir(dir))
      .map((name) => NAME.exec(name)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  const fileOf = (offset: number) => join(dir, `state-${String(offset).padStart(20, '0')}.snap`);
  return {
    list,
    async load(maxOffset = Number.MAX_SAFE_INTEGER) {
      for (const offset of (await list()).filter((o) => o <= maxOffset).reverse()) {
        const file = await readFile(fileOf(offset));
        const bytes = file.subarray(HEADER_BYTES);
        if (file.length >= HEADER_BYTES && file.readUInt32LE(0) === crc32c(bytes)) return { offset, bytes };
        // A damaged snapshot is only a lost cache: fall back to an older one or to a full replay.
        options.onWarning?.(`snapshot ${fileOf(offset)} is damaged (checksum mismatch); ignoring it`);
      }
      return undefined;
    },
    async discardFrom(offset) {
      const discarded = (await list()).filter((o) => o >= offset);
      for (const old of discarded) await rm(fileOf(old), { force: true });
      return discarded;
    },
    async save(offset, bytes) {
      const target = fileOf(offset);
      const tmp = `${target}.tmp`;
      const handle = await open(tmp, 'w');
      try {
        // Chunks are written as they come (a snapshot of hundreds of MB is never held whole), so
        // the checksum is known only at the end: the header is written last, in the 4 bytes kept
        // for it, before the fsync and the rename. A crash before the rename leaves only the .tmp.
        let position = HEADER_BYTES;
        let crc = 0;
        for await (const chunk of bytes instanceof Uint8Array ? [bytes] : bytes) {
          crc = crc32c(chunk, 0, chunk.length, crc);
          await writeAll(handle, chunk, position);
          position += chunk.length;
        }
        const header = Buffer.alloc(HEADER_BYTES);
        header.writeUInt32LE(crc, 0);
        await writeAll(handle, header, 0);
        await handle.sync();
      } catch (error) {
        await handle.close();
        await rm(tmp, { force: true });
        throw error;
      }
      await handle.close();
      await rename(tmp, target);
      for (const old of (await list()).slice(0, -keep)) await rm(fileOf(old), { force: true });
    },
  };
}
