import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '@tide/testkit/testing';
import { captureLogs, type LogStream } from './log-capture.js';

const ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const MARK = `\x1etrace=${ID}\x1e`; // as the runtime marks a line written inside a traced call

let dir: Awaited<ReturnType<typeof makeTempDir>> | undefined;
afterEach(async () => {
  await dir?.remove();
  dir = undefined;
});

describe('log capture', () => {
  it("reads the trace mark off a call's lines, hands on the trace id, and leaves other lines as they were", async () => {
    dir = await makeTempDir('tide-log-capture-');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const capture = captureLogs({ stdout, stderr }, () => Date.parse('2026-12-01T10:00:00Z'));
    const lines: { stream: LogStream; line: string; traceId?: string }[] = [];
    capture.writeTo({ dir: dir.path, onLine: (stream, line, traceId) => lines.push({ stream, line, ...(traceId ? { traceId } : {}) }) });
    stdout.end(`starting\n${MARK}greeting Ada\n`);
    stderr.end(`${MARK}odd\n\x1etrace=not-a-mark\n`);
    await capture.closed;
    expect(lines).toEqual([
      { stream: 'stdout', line: 'starting' },
      { stream: 'stdout', line: 'greeting Ada', traceId: ID },
      { stream: 'stderr', line: 'odd', traceId: ID },
      { stream: 'stderr', line: '\x1etrace=not-a-mark' },
    ]);
    const file = await readFile(`${dir.path}/log`, 'utf8');
    expect(file).toContain('2026-12-01T10:00:00.000Z stdout starting\n');
    expect(file).toContain(`2026-12-01T10:00:00.000Z stdout trace=${ID} greeting Ada\n`);
  });
});
