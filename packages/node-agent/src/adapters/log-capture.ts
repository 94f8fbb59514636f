import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export type LogStream = 'stdout' | 'stderr';

export interface LogCapture {
  /** Resolves when both streams have ended and the log file is flushed. */
  readonly closed: Promise<void>;
}

/**
 * Splits a pod's stdout/stderr into lines, appends each to `<podDir>/log` as
 * `<ISO time> <stream> <line>` and hands it to onLine.
 */
export function captureLogs(
  podDir: string,
  streams: { stdout: Readable; stderr: Readable },
  now: () => number,
  onLine: (stream: LogStream, line: string) => void,
): LogCapture {
  const file = createWriteStream(join(podDir, 'log'), { flags: 'a' });
  file.on('error', () => {}); // the pod dir may be removed under a stopping pod; its log goes with it
  const follow = (name: LogStream, input: Readable) =>
    new Promise<void>((resolve) => {
      const lines = createInterface({ input, crlfDelay: Infinity });
      lines.on('line', (line) => {
        file.write(`${new Date(now()).toISOString()} ${name} ${line}\n`);
        onLine(name, line);
      });
      lines.once('close', resolve);
    });
  const closed = Promise.all([follow('stdout', streams.stdout), follow('stderr', streams.stderr)]).then(
    () => new Promise<void>((resolve) => file.end(resolve)),
  );
  return { closed };
}
