import { describe, expect, it } from 'vitest';
import { decodeJournalEntry, encodeJournalEntry, foldJournal, journalKey, journalPrefix } from './journal-entry.js';
import { lagSample, samplesToReport } from './lag-samples.js';

describe('the retry journal', () => {
  const prefix = journalPrefix('uid-1', 'default.orders', 3);
  const bytes = (s: string) => new TextEncoder().encode(s);
  it('reads back its own partition’s entries only', () => {
    const entry = { attempts: 2, dueAt: 5000 };
    expect(decodeJournalEntry(prefix, journalKey('uid-1', 'default.orders', 3, 17), bytes(encodeJournalEntry(entry)))).toEqual({ offset: 17, entry });
    expect(decodeJournalEntry(prefix, journalKey('uid-1', 'default.orders', 31, 17), bytes(encodeJournalEntry(entry)))).toBeUndefined();
    expect(decodeJournalEntry(prefix, journalKey('uid-2', 'default.orders', 3, 17), bytes(encodeJournalEntry(entry)))).toBeUndefined();
    expect(decodeJournalEntry(prefix, `${prefix}x`, bytes('{}'))).toBeUndefined();
  });
  it('keeps the last entry of an offset, a done one for good, and none below the committed position', () => {
    const state = foldJournal(
      [
        { offset: 4, entry: { attempts: 1, dueAt: 10 } },
        { offset: 5, entry: { attempts: 1, dueAt: 10 } },
        { offset: 5, entry: { attempts: 1, dueAt: 0, done: 'succeeded' } },
        { offset: 5, entry: { attempts: 2, dueAt: 20 } },
        { offset: 6, entry: { attempts: 1, dueAt: 10 } },
        { offset: 6, entry: { attempts: 2, dueAt: 30 } },
      ],
      5,
    );
    expect(Object.fromEntries(state)).toEqual({ 5: { attempts: 1, dueAt: 0, done: 'succeeded' }, 6: { attempts: 2, dueAt: 30 } });
  });
});

describe('lag samples', () => {
  const m = { namespace: 'n', trigger: 't', function: 'f', lag: 100, partitions: 3, keys: 40 };
  it.each([
    ['key', 40],
    ['partition', 3],
    ['none', 100],
  ])('under %s ordering, %i calls could run at once', (ordering, parallelism) => {
    expect(lagSample({ ...m, ordering })).toEqual({ namespace: 'n', name: 'f', trigger: 't', lag: 100, parallelism });
  });
  it('reports a trigger while it lags and once more when its lag went to 0', () => {
    const s = (lag: number) => lagSample({ ...m, ordering: 'none', lag });
    const first = samplesToReport([s(5)], new Set());
    expect(first.report).toHaveLength(1);
    const second = samplesToReport([s(0)], first.lagging);
    expect(second.report.map((r) => r.lag)).toEqual([0]);
    expect(samplesToReport([s(0)], second.lagging).report).toEqual([]);
  });
});
