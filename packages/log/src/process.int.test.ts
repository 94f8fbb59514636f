import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LogLockedError, openEmbeddedLog, type LogRecord } from './index.js';
import { buildLogChild, spawnLogChild, type LogChild } from './log-child-process.fixture.js';

let work: string;
let script: string;
const children: LogChild[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tide-log-proc-'));
  script = join(work, 'log-child.mjs');
  await buildLogChild(script);
});
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function start(args: string[]): LogChild {
  const child = spawnLogChild(script, args);
  children.push(child);
  return child;
}

async function readAll(dir: string): Promise<LogRecord[]> {
  const log = await openEmbeddedLog(dir, { onWarning: () => undefined });
  try {
    const records: LogRecord[] = [];
    for await (const r of log.read('crash', 0, { follow: false })) records.push(r);
    return records;
  } finally {
    await log.close();
  }
}

describe('a writer killed with SIGKILL', () => {
  it('loses no acknowledged append, over 5 kills at random moments', async () => {
    const dir = join(work, 'crash');
    const acknowledged = new Map<number, string>();
    for (let round = 0; round < 5; round++) {
      const child = start([dir, 'append', `r${round}`]);
      await child.waitForLine((l) => l.startsWith('ready'));
      const acksWanted = 1 + Math.floor(Math.random() * 300);
      await child.waitForLine(() => child.lines.length > acksWanted);
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      await child.kill();
      for (const line of child.lines.slice(1)) {
        const [offset, value] = line.split(' ');
        acknowledged.set(Number(offset), value!);
      }
      const records = await readAll(dir);
      expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => i)); // dense
      const byOffset = new Map(records.map((r) => [r.offset, Buffer.from(r.value).toString()]));
      const lost = [...acknowledged].filter(([offset, value]) => byOffset.get(offset) !== value);
      expect(lost, `round ${round}: acknowledged but missing or different`).toEqual([]);
    }
    expect(acknowledged.size).toBeGreaterThan(5);
  });
});

describe('the writer lock', () => {
  it('refuses a second writer while the first process lives, and is taken over once it died', async () => {
    const dir = join(work, 'lock');
    const holder = start([dir, 'hold']);
    await holder.waitForLine((l) => l.startsWith('ready'));
    const error = await openEmbeddedLog(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogLockedError);
    expect(error).toMatchObject({ pid: holder.pid });
    expect((error as Error).message).toContain(String(holder.pid));
    const reader = await openEmbeddedLog(dir, { readOnly: true });
    await reader.close();
    await holder.kill();
    const log = await openEmbeddedLog(dir);
    expect((await readFile(join(dir, 'LOCK'), 'utf8')).trim()).toBe(String(process.pid));
    await log.close();
  });

  it('takes over a lock file left by a process that no longer exists', async () => {
    const dir = await mkdtemp(join(work, 'stale-'));
    const gone = spawnSync(process.execPath, ['-e', ''], { env: {} }).pid!;
    await writeFile(join(dir, 'LOCK'), `${gone}\n`);
    const log = await openEmbeddedLog(dir);
    expect(await log.append('t', [{ value: 'mine now' }])).toEqual([0]);
    await log.close();
  });
});

describe('a readOnly reader in another process than the writer', () => {
  it('follows the records the writer appends', async () => {
    const dir = join(work, 'follow');
    const writer = start([dir, 'append', 'w']);
    await writer.waitForLine((l) => l.startsWith('ready'));
    const reader = await openEmbeddedLog(dir, { readOnly: true });
    const seen: number[] = [];
    try {
      for await (const record of reader.read('crash', 0, { signal: AbortSignal.timeout(10_000) })) {
        seen.push(record.offset);
        if (seen.length === 500) break;
      }
    } finally {
      await reader.close();
    }
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});
