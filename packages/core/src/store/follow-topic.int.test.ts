import { describe, expect, it } from 'vitest';
import { createMemoryLog } from '@tide/log/testing';
import { createFakeClock, eventually } from '@tide/testkit/testing';
import { followTopic } from './follow-topic.js';

const text = (value: Uint8Array) => new TextDecoder().decode(value);

describe('followTopic', () => {
  it('hands a record on again after its handling failed and a back-off passed on its clock, reporting the failure, and loses none', async () => {
    const log = createMemoryLog();
    await log.append('t', [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    const clock = createFakeClock();
    const handled: string[] = [];
    const errors: string[] = [];
    let failOnce = true;
    const abort = new AbortController();
    const following = followTopic(log, 't', {
      name: 'test',
      from: 0,
      signal: abort.signal,
      clock,
      onRecord: (record) => {
        if (text(record.value) === 'b' && failOnce) {
          failOnce = false;
          throw new Error('disk full');
        }
        handled.push(text(record.value));
      },
      onError: (error) => errors.push(error.message),
    });
    // First failure: 100 ms x 2.
    await eventually(() => expect(clock.pendingTimers()).toEqual([clock.now() + 200]), { timeoutMs: 2_000, intervalMs: 5 });
    expect(handled).toEqual(['a']);
    expect(errors).toEqual(['test: handling record 1 of t failed: disk full; retrying']);
    clock.advance(200);
    await eventually(() => expect(handled).toEqual(['a', 'b', 'c']), { timeoutMs: 2_000, intervalMs: 5 });
    abort.abort();
    await following;
  });

  it('follows a log that lost its history again from its start', async () => {
    const log = createMemoryLog();
    await log.append('t', [{ value: 'old-1' }, { value: 'old-2' }]);
    const handled: string[] = [];
    let rewound = 0;
    const abort = new AbortController();
    const following = followTopic(log, 't', {
      name: 'test',
      from: 0,
      signal: abort.signal,
      onRecord: (r) => void handled.push(text(r.value)),
      onRewound: () => rewound++,
    });
    await eventually(() => expect(handled).toHaveLength(2), { timeoutMs: 2_000, intervalMs: 5 });
    log.wipe();
    await log.append('t', [{ value: 'new-1' }]);
    await eventually(() => expect(handled).toEqual(['old-1', 'old-2', 'new-1']), { timeoutMs: 2_000, intervalMs: 5 });
    expect(rewound).toBe(1);
    abort.abort();
    await following;
  });
});
