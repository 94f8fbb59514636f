import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidTopicError, LogClosedError, LogLockedError, LogReadOnlyError, openEmbeddedLog, type EmbeddedLog, type LogRecord } from './index.js';
import { eventLogContract } from './testing.js';

eventLogContract('embedded', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tide-log-'));
  return {
    log: await openEmbeddedLog(dir),
    reopen: () => openEmbeddedLog(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

eventLogContract('embedded with 1 KiB segments', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tide-log-'));
  return {
    log: await openEmbeddedLog(dir, { segmentBytes: 1024 }),
    reopen: () => openEmbeddedLog(dir, { segmentBytes: 1024 }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('embedded log', () => {
  let dir: string;
  const logs: EmbeddedLog[] = [];
  const open = async (options?: Parameters<typeof openEmbeddedLog>[1]): Promise<EmbeddedLog> => {
    const log = await openEmbeddedLog(dir, options);
    logs.push(log);
    return log;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tide-log-'));
  });
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('gives concurrent appends offsets in call order and writes them as one batch', async () => {
    const log = await open();
    const offsets = await Promise.all(range(200).map((i) => log.append('t', [{ value: `v${i}` }])));
    expect(offsets).toEqual(range(200).map((i) => [i]));
    expect(log.stats()).toMatchObject({ appendBatches: 1, appendedRecords: 200 });
  });

  it('batches appends made while a batch is being written into the next one', async () => {
    const log = await open();
    const first = log.append('t', [{ value: 'first' }]);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = range(50).map((i) => log.append('t', [{ value: `v${i}` }]));
    await Promise.all([first, ...rest]);
    expect(log.stats()).toMatchObject({ appendBatches: 2, appendedRecords: 51 });
  });

  it('rolls segments named by base offset and reads across them from any offset', async () => {
    const log = await open({ segmentBytes: 600 });
    let next = 0;
    for (const size of [1, 7, 3, 12, 1, 1, 20, 5]) {
      await log.append(
        'roll',
        range(size).map((i) => ({ value: `record-${next + i}`.padEnd(40, '.') })),
      );
      next += size;
    }
    const names = (await readdir(join(dir, 'topics', 'roll'))).sort();
    expect(names.length).toBeGreaterThan(3);
    expect(names[0]).toBe('00000000000000000000.seg');
    for (const name of names) {
      const base = Number(name.slice(0, 20));
      const [first] = await readAll(log, 'roll', base, 1);
      expect(first?.offset).toBe(base);
      expect(text(first!)).toMatch(new RegExp(`^record-${base}\\.`));
    }
    for (const from of [0, 1, 8, 9, 23, 24, 49, 50]) {
      const records = await readAll(log, 'roll', from);
      expect(records.map((r) => r.offset)).toEqual(range(next - from).map((i) => from + i));
    }
  });

  it('lets a readOnly instance follow what the writer appends (by polling the files)', async () => {
    const writer = await open({ segmentBytes: 256 });
    await writer.append('t', [{ value: 'before' }]);
    const reader = await open({ readOnly: true });
    const received = takeFollowing(reader, 't', 0, 30);
    for (let i = 0; i < 29; i++) await writer.append('t', [{ value: `after-${i}` }]);
    expect((await received).map(text)).toEqual(['before', ...range(29).map((i) => `after-${i}`)]);
    expect(await reader.endOffset('t')).toBe(30);
    await writer.commitOffset('g', 't', 12);
    expect(await reader.committedOffset('g', 't')).toBe(12);
  });

  it('lets a readOnly instance see a topic created after it opened', async () => {
    const writer = await open();
    const reader = await open({ readOnly: true });
    const received = takeFollowing(reader, 'late', 0, 1);
    await writer.append('late', [{ value: 'hello' }]);
    expect((await received).map(text)).toEqual(['hello']);
  });

  it('refuses writes through a readOnly instance', async () => {
    const reader = await open({ readOnly: true });
    await expect(reader.append('t', [{ value: 'x' }])).rejects.toBeInstanceOf(LogReadOnlyError);
    await expect(reader.commitOffset('g', 't', 1)).rejects.toBeInstanceOf(LogReadOnlyError);
  });

  it('flushes appends made before close, then refuses new ones', async () => {
    const log = await open();
    const pending = range(20).map((i) => log.append('t', [{ value: `v${i}` }]));
    await log.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(20);
    await expect(log.append('t', [{ value: 'late' }])).rejects.toBeInstanceOf(LogClosedError);
    const again = await open();
    expect(await again.endOffset('t')).toBe(20);
  });

  it('refuses a second writer on the same directory in the same process', async () => {
    await open();
    await expect(openEmbeddedLog(dir)).rejects.toBeInstanceOf(LogLockedError);
  });

  it('rejects topic names that are not [A-Za-z0-9._-]', async () => {
    const log = await open();
    for (const bad of ['', '..', 'a/b', 'sp ace', 'x'.repeat(250)]) {
      await expect(log.append(bad, [{ value: 'x' }])).rejects.toBeInstanceOf(InvalidTopicError);
    }
    expect(() => log.read('a/b', 0)).toThrow(InvalidTopicError);
  });

  it('compacts offsets.log on open once it is big, keeping the latest positions', async () => {
    const log = await open({ offsetsCompactBytes: 4096 });
    for (let i = 0; i < 300; i++) await log.commitOffset(`g${i % 3}`, 't', i);
    await log.close();
    const before = (await stat(join(dir, 'offsets.log'))).size;
    const again = await open({ offsetsCompactBytes: 4096 });
    const after = (await stat(join(dir, 'offsets.log'))).size;
    expect(before).toBeGreaterThan(4096);
    expect(after).toBeLessThan(300);
    expect([await again.committedOffset('g0', 't'), await again.committedOffset('g1', 't'), await again.committedOffset('g2', 't')]).toEqual([297, 298, 299]);
    await again.commitOffset('g0', 't', 1000);
    await again.close();
    expect(await (await open()).committedOffset('g0', 't')).toBe(1000);
  });

  it('replays 20 000 records in order', async () => {
    const log = await open({ fsync: false, segmentBytes: 256 * 1024 });
    for (let i = 0; i < 20; i++) {
      await log.append(
        'big',
        range(1000).map((j) => ({ value: `event-${i * 1000 + j}`, key: `k${j % 7}` })),
      );
    }
    await log.close();
    const again = await open({ readOnly: true });
    let expected = 0;
    for await (const record of again.read('big', 0, { follow: false })) {
      if (record.offset !== expected || text(record) !== `event-${expected}`) throw new Error(`bad record at ${expected}`);
      expected++;
    }
    expect(expected).toBe(20_000);
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function text(record: LogRecord): string {
  return Buffer.from(record.value).toString('utf8');
}

async function readAll(log: EmbeddedLog, topic: string, from: number, limit = Infinity): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  for await (const record of log.read(topic, from, { follow: false })) {
    records.push(record);
    if (records.length >= limit) break;
  }
  return records;
}

async function takeFollowing(log: EmbeddedLog, topic: string, from: number, count: number): Promise<LogRecord[]> {
  const signal = AbortSignal.timeout(5_000);
  const records: LogRecord[] = [];
  for await (const record of log.read(topic, from, { signal })) {
    records.push(record);
    if (records.length >= count) break;
  }
  return records;
}
