import { describe, expect, it } from 'vitest';
import { decodePodLogBatch, LOGS_TOPIC, type PodLogBatch } from '@tide/core';
import { waitFor } from '@tide/testkit/testing';
import { startLogShipper } from './log-shipper.js';

const line = (text: string) => ({ namespace: 'default', function: 'fn', pod: 'fn-1', stream: 'stdout' as const, line: text });

function memoryAppender() {
  const batches: PodLogBatch[] = [];
  let down = false;
  return {
    batches,
    setDown: (value: boolean) => (down = value),
    async append(topic: string, records: readonly { value: Uint8Array }[]) {
      if (down) throw new Error('log unavailable');
      expect(topic).toBe(LOGS_TOPIC);
      for (const r of records) batches.push(decodePodLogBatch(r.value)!);
      return records.map((_, i) => i);
    },
  };
}

describe('log shipper', () => {
  it('ships lines in one batch per flush, in order, naming the node', async () => {
    const log = memoryAppender();
    const shipper = startLogShipper({ log, node: 'node-1', flushMs: 60_000 });
    shipper.ship(line('a'));
    shipper.ship(line('b'));
    await shipper.stop();
    expect(log.batches).toHaveLength(1);
    expect(log.batches[0]).toMatchObject({ kind: 'pod-logs', node: 'node-1', lines: [{ line: 'a', pod: 'fn-1' }, { line: 'b' }] });
  });

  it('cuts a line longer than the limit, saying how much', async () => {
    const log = memoryAppender();
    const shipper = startLogShipper({ log, node: 'n', flushMs: 60_000, maxLineChars: 5 });
    shipper.ship(line('0123456789'));
    await shipper.stop();
    expect(log.batches[0]!.lines[0]!.line).toBe('01234… [5 more characters]');
  });

  it('keeps lines while the log is away, drops the oldest beyond the bound and says so, and reports the outage once', async () => {
    const log = memoryAppender();
    const errors: string[] = [];
    const shipper = startLogShipper({ log, node: 'n', flushMs: 5, maxPending: 3, onError: (e) => errors.push(e.message) });
    log.setDown(true);
    for (const text of ['1', '2', '3', '4', '5']) shipper.ship(line(text));
    await waitFor(() => errors.length > 0, { what: 'a failed flush to report the outage', timeoutMs: 10_000 });
    log.setDown(false);
    await shipper.stop();
    const shipped = log.batches.flatMap((b) => b.lines.map((l) => l.line));
    expect(shipped).toEqual(['[tide] 2 log lines of this node were dropped while the log was unavailable', '3', '4', '5']);
    expect(errors).toEqual(['node n: shipping pod logs failed: log unavailable']);
  });
});
