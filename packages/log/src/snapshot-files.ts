import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from './crc32c.js';

/** Snapshots of a fold, beside the log: one file per offset, `u32 crc32c | bytes`, written atomically. */
export interface SnapshotFiles {
  load(maxOffset?: number): Promise<{ offset: number; bytes: Uint8Array } | undefined>;
  /** Writes to a temporary file, fsyncs, then renames: a crash leaves the old snapshot or the new one whole. */
  save(offset: number, bytes: Uint8Array | readonly Uint8Array[]): Promise<void>;
  /** Offsets of the snapshots kept, oldest first. */
  list(): Promise<number[]>;
  /** Deletes the snapshots at or after `offset`: a log cut there must not be read through them. */
  discardFrom(offset: number): Promise<number[]>;
}

const NAME = /^state-(\d{20})\.snap$/;

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
        const bytes = file.subarray(4);
        if (file.length >= 4 && file.readUInt32LE(0) === crc32c(bytes)) return { offset, bytes };
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
      const chunks = bytes instanceof Uint8Array ? [bytes] : bytes;
      const header = Buffer.alloc(4);
      header.writeUInt32LE(
        chunks.reduce((crc, chunk) => crc32c(chunk, 0, chunk.length, crc), 0),
        0,
      );
      const handle = await open(tmp, 'w');
      try {
        // One chunk at a time: a snapshot of hundreds of MB is not copied into one buffer first.
        for (const chunk of [header, ...chunks]) {
          for (let written = 0; written < chunk.length; ) written += (await handle.write(chunk, written)).bytesWritten;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, target);
      for (const old of (await list()).slice(0, -keep)) await rm(fileOf(old), { force: true });
    },
  };
}
