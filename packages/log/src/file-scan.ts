/**
 * Scans a framed file from disk in large chunks (one read per 4 MiB, not per record) and reports
 * where its whole valid frames end and why the first bad one is bad.
 */
import { open, readFile } from 'node:fs/promises';
import { readFully } from './durable-fs.js';
import { findValidFrame, scanFrames, type FrameFault, type FrameFormat } from './frame-scan.js';

const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;

export type FileProblemReason = FrameFault | 'torn-frame';

export interface FileProblem {
  /** Byte position of the first frame that is not whole and valid. */
  position: number;
  /** How many valid frames precede it in the file. */
  frameIndex: number;
  reason: FileProblemReason;
}

export interface FileScan {
  /** Position after the last whole valid frame. */
  validEnd: number;
  /** Valid frames from `from` to `validEnd`. */
  count: number;
  fileBytes: number;
  problem?: FileProblem;
}

/**
 * Called for each valid frame with its absolute position; `buf[payloadStart, payloadEnd)` is the
 * payload, valid only during the call.
 */
export type FileFrameVisitor = (buf: Buffer, framePosition: number, payloadStart: number, payloadEnd: number) => void;

/** Scans `file` from byte `from` (a frame boundary) to its end. A missing file scans as empty. */
export async function scanFile(file: string, format: FrameFormat, visit?: FileFrameVisitor, from = 0, firstFrameIndex = 0): Promise<FileScan> {
  const handle = await open(file, 'r');
  try {
    const fileBytes = (await handle.stat()).size;
    let buf = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, Math.max(fileBytes - from, 0)));
    let pos = from;
    let count = 0;
    while (pos < fileBytes) {
      const want = Math.min(buf.length, fileBytes - pos);
      const got = await readFully(handle, buf, want, pos);
      const chunkStart = pos;
      const result = scanFrames(buf, 0, got, format, visit && ((s, ps, pe) => visit(buf, chunkStart + s, ps, pe)));
      pos += result.end;
      count += result.count;
      const stop = result.stop;
      if (stop.kind === 'end') {
        if (got < want) break; // the file shrank under us: treat what we saw as its end
        continue;
      }
      const problem = (reason: FileProblemReason): FileScan => ({
        validEnd: pos,
        count,
        fileBytes,
        problem: { position: pos, frameIndex: firstFrameIndex + count, reason },
      });
      if (stop.kind === 'invalid') return problem(stop.fault);
      const end = got < want ? chunkStart + got : fileBytes; // got < want: the file shrank under us
      if (pos + stop.needBytes > end) return problem('torn-frame');
      if (stop.needBytes > buf.length) buf = Buffer.allocUnsafe(stop.needBytes);
    }
    return { validEnd: pos, count, fileBytes };
  } finally {
    await handle.close();
  }
}

/** Whether a whole valid frame starts anywhere in `file` after byte `position`. */
export async function hasValidFrameAfter(file: string, position: number, format: FrameFormat): Promise<boolean> {
  // Rare path (only after a bad frame), so reading the rest of one segment at once is fine.
  const bytes = await readFile(file);
  return findValidFrame(bytes, position + 1, bytes.length, format) >= 0;
}
