/**
 * The EventLog contract: every adapter (embedded, Kafka) runs this suite against itself.
 *
 *   eventLogContract('embedded', async () => ({ log, reopen, cleanup }));
 *
 * `factory` runs before each test. Topic and group names are unique per test, so adapters whose
 * storage outlives a test (a shared broker) can reuse it. `reopen` (optional) must return a new
 * instance over the same storage after the suite has closed the current one.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppendRecord, EventLog, LogRecord } from './event-log.js';

export interface EventLogFixture {
  log: EventLog;
  reopen?: () => Promise<EventLog>;
  cleanup: () => Promise<void>;
}

const FOLLOW_TIMEOUT_MS = 5_000;

export function eventLogContract(name: string, factory: () => Promise<EventLogFixture>): void {
  describe(`EventLog contract: ${name}`, () => {
    let fixture: EventLogFixture;
    let log: EventLog;
    let opened: EventLog[];
    let run: string;
    const topic = (label: string): string => `contract.${run}.${label}`;
    const group = (label: string): string => `contract-${run}-${label}`;

    beforeEach(async () => {
      fixture = await factory();
      log = fixture.log;
      opened = [log];
      run = randomUUID().slice(0, 8);
    });

    afterEach(async () => {
      for (const l of opened) await l.close().catch(() => undefined);
      await fixture.cleanup();
    });

    it('gives appended records dense offsets from 0, in order', async () => {
      const t = topic('dense');
      expect(await log.append(t, values('a', 'b', 'c'))).toEqual([0, 1, 2]);
      expect(await log.append(t, values('d', 'e'))).toEqual([3, 4]);
      expect(await log.append(t, [])).toEqual([]);
      expect(await log.append(t, values('f'))).toEqual([5]);
    });

    it('reads every record from 0 in order, and ends at the end when not following', async () => {
      const t = topic('all');
      await log.append(t, values(...range(10).map((i) => `v${i}`)));
      const records = await readAll(log, t, 0);
      expect(records.map((r) => r.offset)).toEqual(range(10));
      expect(records.map(text)).toEqual(range(10).map((i) => `v${i}`));
      expect(records.every((r) => r.topic === t)).toBe(true);
    });

    it('reads from the middle', async () => {
      const t = topic('middle');
      await log.append(t, values(...range(10).map((i) => `v${i}`)));
      const records = await readAll(log, t, 7);
      expect(records.map((r) => [r.offset, text(r)])).toEqual([
        [7, 'v7'],
        [8, 'v8'],
        [9, 'v9'],
      ]);
    });

    it('yields nothing from endOffset unless following, and then only later appends', async () => {
      const t = topic('from-end');
      await log.append(t, values('old1', 'old2'));
      const end = await log.endOffset(t);
      expect(end).toBe(2);
      expect(await readAll(log, t, end)).toEqual([]);
      const later = takeFollowing(log, t, end, 1);
      await pause(50);
      await log.append(t, values('new'));
      expect((await later).map((r) => [r.offset, text(r)])).toEqual([[2, 'new']]);
    });

    it('keeps each append contiguous and every offset dense under many concurrent appends', async () => {
      const t = topic('concurrent');
      const calls = range(100).map((i) => range((i % 3) + 1).map((j) => `c${i}.${j}`));
      const results = await Promise.all(calls.map((vs) => log.append(t, values(...vs))));
      const byOffset = new Map<number, string>();
      results.forEach((offsets, i) => {
        expect(offsets).toEqual(range(offsets.length).map((j) => offsets[0]! + j));
        offsets.forEach((o, j) => byOffset.set(o, calls[i]![j]!));
      });
      const total = calls.reduce((n, vs) => n + vs.length, 0);
      expect([...byOffset.keys()].sort((a, b) => a - b)).toEqual(range(total));
      const records = await readAll(log, t, 0);
      expect(records.map((r) => [r.offset, text(r)])).toEqual(range(total).map((o) => [o, byOffset.get(o)]));
    });

    it('delivers an append to a reader that started before it (tailing)', async () => {
      const t = topic('tail');
      const received = takeFollowing(log, t, 0, 3);
      await pause(50);
      await log.append(t, values('x'));
      await pause(20);
      await log.append(t, values('y', 'z'));
      expect((await received).map(text)).toEqual(['x', 'y', 'z']);
    });

    it('keeps topics independent', async () => {
      const a = topic('a');
      const b = topic('b');
      expect(await log.append(a, values('a0'))).toEqual([0]);
      expect(await log.append(b, values('b0', 'b1'))).toEqual([0, 1]);
      expect(await log.append(a, values('a1'))).toEqual([1]);
      expect((await readAll(log, a, 0)).map(text)).toEqual(['a0', 'a1']);
      expect((await readAll(log, b, 0)).map(text)).toEqual(['b0', 'b1']);
    });

    it('reports endOffset as the number of records written, 0 for a topic never written', async () => {
      const t = topic('end');
      expect(await log.endOffset(t)).toBe(0);
      await log.append(t, values('1', '2', '3'));
      expect(await log.endOffset(t)).toBe(3);
      await log.append(t, values('4'));
      expect(await log.endOffset(t)).toBe(4);
      expect(await log.endOffset(topic('other'))).toBe(0);
    });

    it('stores consumer group positions: latest commit wins, groups and topics are independent', async () => {
      const t = topic('groups');
      const u = topic('groups2');
      expect(await log.committedOffset(group('g1'), t)).toBeUndefined();
      await log.commitOffset(group('g1'), t, 5);
      await log.commitOffset(group('g1'), t, 7);
      await log.commitOffset(group('g2'), t, 2);
      await log.commitOffset(group('g1'), u, 0);
      expect(await log.committedOffset(group('g1'), t)).toBe(7);
      expect(await log.committedOffset(group('g2'), t)).toBe(2);
      expect(await log.committedOffset(group('g1'), u)).toBe(0);
      expect(await log.committedOffset(group('g3'), t)).toBeUndefined();
    });

    it('round-trips keys, headers, binary and string values', async () => {
      const t = topic('shapes');
      const binary = Uint8Array.from(range(256));
      await log.append(t, [
        { value: binary, key: 'clé-🔑', headers: { traceparent: '00-abc-def-01', 'x-ünï': 'wert ✓' } },
        { value: 'héllo wörld 🌊' },
        { value: new Uint8Array(0), key: '' },
        { value: new Uint8Array(256 * 1024).fill(7), key: 'big' },
      ]);
      const [r0, r1, r2, r3] = await readAll(log, t, 0);
      expect(Array.from(r0!.value)).toEqual(Array.from(binary));
      expect(r0!.key).toBe('clé-🔑');
      expect(r0!.headers).toEqual({ traceparent: '00-abc-def-01', 'x-ünï': 'wert ✓' });
      expect(text(r1!)).toBe('héllo wörld 🌊');
      expect(r1!.key).toBeNull();
      expect(r1!.headers).toEqual({});
      expect(r2!.value.byteLength).toBe(0);
      expect(r2!.key).toBe('');
      expect(r3!.value.byteLength).toBe(256 * 1024);
      expect(r3!.value.every((b) => b === 7)).toBe(true);
    });

    it('stamps records with the time the log accepted them', async () => {
      const t = topic('time');
      const before = Date.now();
      await log.append(t, values('t'));
      const [record] = await readAll(log, t, 0);
      expect(record!.timestamp).toBeGreaterThanOrEqual(before - 60_000);
      expect(record!.timestamp).toBeLessThanOrEqual(Date.now() + 60_000);
    });

    it('ends a tailing read without an error when its signal aborts', async () => {
      const t = topic('abort');
      await log.append(t, values('first'));
      const controller = new AbortController();
      const seen: string[] = [];
      const reading = (async () => {
        for await (const record of log.read(t, 0, { signal: controller.signal })) {
          seen.push(text(record));
          if (seen.length === 1) setTimeout(() => controller.abort(), 30);
        }
      })();
      await expect(withTimeout(reading, FOLLOW_TIMEOUT_MS, 'the aborted read did not end')).resolves.toBeUndefined();
      expect(seen).toEqual(['first']);
    });

    it('ends a tailing read when the log closes', async () => {
      const t = topic('close');
      const reading = (async () => {
        const seen: string[] = [];
        for await (const record of log.read(t, 0)) seen.push(text(record));
        return seen;
      })();
      await log.append(t, values('only'));
      await pause(50);
      await log.close();
      expect(await withTimeout(reading, FOLLOW_TIMEOUT_MS, 'the read did not end on close')).toEqual(['only']);
    });

    it('keeps records, end offsets and group positions across close and reopen', async (ctx) => {
      if (!fixture.reopen) ctx.skip('the factory gives no reopen(): this adapter has no storage that survives close');
      const t = topic('durable');
      await log.append(t, values('d0', 'd1', 'd2'));
      await log.commitOffset(group('g'), t, 2);
      await log.close();
      const again = await fixture.reopen!();
      opened.push(again);
      expect(await again.endOffset(t)).toBe(3);
      expect((await readAll(again, t, 0)).map(text)).toEqual(['d0', 'd1', 'd2']);
      expect(await again.committedOffset(group('g'), t)).toBe(2);
      expect(await again.append(t, values('d3'))).toEqual([3]);
    });
  });
}

function values(...texts: string[]): AppendRecord[] {
  return texts.map((value) => ({ value }));
}

function text(record: LogRecord): string {
  return Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength).toString('utf8');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readAll(log: EventLog, topic: string, from: number): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FOLLOW_TIMEOUT_MS);
  try {
    for await (const record of log.read(topic, from, { follow: false, signal: controller.signal })) records.push(record);
  } finally {
    clearTimeout(timer);
  }
  return records;
}

/** Follows `topic` until `count` records arrived or the time bound passed; returns what arrived. */
async function takeFollowing(log: EventLog, topic: string, from: number, count: number): Promise<LogRecord[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FOLLOW_TIMEOUT_MS);
  const records: LogRecord[] = [];
  try {
    for await (const record of log.read(topic, from, { signal: controller.signal })) {
      records.push(record);
      if (records.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return records;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export { createMemoryLog, type MemoryLog } from './memory-log.js';
