import { describe, expect, it } from 'vitest';
import { eventLogContract } from './testing.js';
import { createMemoryLog } from './memory-log.js';

eventLogContract('in-memory (for tests of the port consumers)', async () => ({ log: createMemoryLog(), cleanup: async () => {} }));

describe('in-memory log', () => {
  it('ends a tailing read aborted while its reader handles a record', async () => {
    const log = createMemoryLog();
    await log.append('t', [{ value: new Uint8Array([1]) }]);
    const abort = new AbortController();
    const seen: number[] = [];
    for await (const record of log.read('t', 0, { signal: abort.signal })) {
      seen.push(record.offset);
      abort.abort();
    }
    expect(seen).toEqual([0]);
  }, 2_000);
});
