import { describe, expect, it } from 'vitest';
import sleep from './index.js';

describe('sleep', () => {
  it('waits the asked time and rejects a bad one', async () => {
    const started = performance.now();
    expect(await (await sleep.fetch(new Request('http://fn/?ms=30'))).text()).toBe('slept 30 ms\n');
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    expect((await sleep.fetch(new Request('http://fn/?ms=lots'))).status).toBe(400);
  });
});
