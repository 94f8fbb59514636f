import { describe, expect, it } from 'vitest';
import { eventLogContract } from './testing.js';
import { createMemoryLog } from './memory-log.js';

eventLogContract('in-memory (for tests of the port consumers)', async () => ({ log: createMemoryLog(), cleanup: async () => {} }));

describe('the in-memory log', () => {
  it('ends a tailing read that was aborted while its reader handled the last record', async () => {
    const log = createMemoryLog();
    await log.append('t', [{ value: 'a' }]);
    const abort = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const record of log.read('t', 0, { signal: abort.signal })) {
        seen.push(record.offset);
        abort.abort(); // while this record is being handled
        await Promise.resolve();
      }
      return 'ended';
    })();
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise((resolve) => (timer = setTimeout(resolve, 5_000, 'still waiting')));
    const outcome = await Promise.race([reading, hung]);
    clearTimeout(timer);
    expect({ seen, outcome }).toEqual({ seen: [0], outcome: 'ended' });
  });
});
