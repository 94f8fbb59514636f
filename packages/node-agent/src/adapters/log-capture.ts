import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { readTraceMark } from '@tide/runtime';

export type LogStream = 'stdout' | 'stderr';

/** Where a process's output lines go: `<dir>/log` and onLine. */
export interface LogTarget {
  dir: string;
  /** traceId: of the call that wrote the line (the runtime marks such lines), absent for others. */
  onLine(stream: LogStream, line: string, traceId?: string): void;
}

export interface LogCapture {
  /** From now on lines go to this target: a pooled process becoming a pod takes its output along. */
  writeTo(target: LogTarget): void;
  /** Resolves when both streams have ended and the log file is flushed. */
  readonly closed: Promise<void>;
}

/**
 * Splits a process's stdout/stderr into lines, reads off the trace mark of a line written inside a
 * traced call, appends each to `<dir>/log` as `<ISO time> <stream> [trace=<id> ]<line>` and hands
 * it to the target's onLine. Call writeTo before the
 * current tick ends: lines read before any target is set are dropped.
 */
export function captureLogs(streams: { stdout: Readable; stderr: Readable }, now: () => number): LogCapture {
  let file: WriteStream | undefined;
  let onLine: LogTarget['onLine'] = () => {};
  const follow = (name: LogStream, input: Readable) =>
    new Promise<void>((resolve) => {
      const lines = createInterface({ input, crlfDelay: Infinity });
      lines.on('line', (marked) => {
        const { line, traceId } = readTraceMark(marked);
        file?.write(`${new Date(now()).toISOString()} ${name} ${traceId ? `trace=${traceId} ` : ''}${line}\n`);
        onLine(name, line, traceId);
      });
      lines.once('close', resolve);
    });
  const closed = Promise.all([follow('stdout', streams.stdout), follow('stderr', streams.stderr)]).then(() => endFile(file));
  return {
    writeTo(target) {
      void endFile(file);
      file = createWriteStream(join(target.dir, 'log'), { flags: 'a' });
      file.on('error', () => {}); // the dir may be removed under a stopping pod; its log goes with it
      onLine = target.onLine;
    },
    closed,
  };
}

function endFile(file: WriteStream | undefined): Promise<void> {
  return new Promise((resolve) => (file ? file.end(resolve) : resolve()));
}
