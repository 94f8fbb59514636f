/** Small file-system steps the log needs to be crash-safe: full reads/writes and directory fsync. */
import { open, type FileHandle } from 'node:fs/promises';

/** Reads exactly `length` bytes at `position` into `buf[0, length)` unless the file ends first. */
export async function readFully(handle: FileHandle, buf: Buffer, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Writes all of `data` at `position`, looping over short writes. */
export async function writeFully(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** Makes a created, renamed or deleted directory entry durable (the file's own fsync does not). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Cuts `file` to `length` bytes and makes that durable. */
export async function truncateFile(file: string, length: number, fsync: boolean): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(length);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
