import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedLog, type EmbeddedLog, type LogRecord } from './index.js';

const text = (r: LogRecord) => Buffer.from(r.value).toString('utf8');
const retention = { 'tide.metrics': { maxBytes: 4096 } };

describe('embedded log retention', () => {
  let dir: string;
  const logs: EmbeddedLog[] = [];
  const open = async () => {
    const log = await openEmbeddedLog(dir, { retention, fsync: false });
    logs.push(log);
    return log;
  };
  const topicBytes = async (topic: string) => {
    const files = await readdir(join(dir, 'topics', topic));
    const sizes = await Promise.all(files.map((f) => stat(join(dir, 'topics', topic, f)).then((s) => s.size)));
    return { files: files.length, bytes: sizes.reduce((a, b) => a + b, 0) };
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tide-retention-'));
  });
  afterEach(async () => {
    await Promise.all(logs.splice(0).map((l) => l.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a retained topic near its bound on disk while its offsets go on, and every other topic whole', async () => {
    const log = await open();
    for (let i = 0; i < 500; i++) {
      await log.append('tide.metrics', [{ value: `sample-${String(i).padStart(4, '0')}-${'x'.repeat(40)}` }]);
      await log.append('tide.state', [{ value: `event-${i}` }]);
    }
    const metrics = await topicBytes('tide.metrics');
    // The bound, plus at most the segment being written (a quarter of it).
    expect(metrics.bytes).toBeLessThanOrEqual(4096 + 1024 + 100);
    expect(metrics.files).toBeGreaterThan(1);
    expect(await log.endOffset('tide.metrics')).toBe(500);
    expect(await log.endOffset('tide.state')).toBe(500);
    const state: string[] = [];
    for await (const r of log.read('tide.state', 0, { follow: false })) state.push(text(r));
    expect(state).toHaveLength(500);
  });

  it('starts a read of deleted offsets at the oldest kept, in order, with no gap after it', async () => {
    const log = await open();
    for (let i = 0; i < 300; i++) await log.append('tide.metrics', [{ value: `sample-${i}-${'x'.repeat(40)}` }]);
    const kept: LogRecord[] = [];
    for await (const r of log.read('tide.metrics', 0, { follow: false })) kept.push(r);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(300);
    expect(kept.at(-1)!.offset).toBe(299);
    kept.forEach((r, i) => expect(r.offset).toBe(kept[0]!.offset + i));
    expect(text(kept[0]!)).toBe(`sample-${kept[0]!.offset}-${'x'.repeat(40)}`);
  });

  it('follows a retained topic across deletions, and reopens with the same kept records', async () => {
    const log = await open();
    const seen: number[] = [];
    const abort = new AbortController();
    const following = (async () => {
      for await (const r of log.read('tide.metrics', 0, { signal: abort.signal })) seen.push(r.offset);
    })();
    for (let i = 0; i < 300; i++) await log.append('tide.metrics', [{ value: `sample-${i}-${'x'.repeat(40)}` }]);
    const deadline = Date.now() + 5_000;
    while (seen.at(-1) !== 299 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await following;
    // A reader that keeps up sees every record, even those deleted later.
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));

    const before: number[] = [];
    for await (const r of log.read('tide.metrics', 0, { follow: false })) before.push(r.offset);
    await log.close();
    const again = await open();
    const after: number[] = [];
    for await (const r of again.read('tide.metrics', 0, { follow: false })) after.push(r.offset);
    expect(after).toEqual(before);
    expect(await again.append('tide.metrics', [{ value: 'next' }])).toEqual([300]);
  });

  it('refuses a retention that is not a positive size, naming the topic', async () => {
    await expect(openEmbeddedLog(dir, { retention: { 'tide.metrics': { maxBytes: 0 } } })).rejects.toThrow(
      /retention of tide\.metrics: maxBytes must be a positive integer, got 0/,
    );
  });
});
