import { describe, expect, it } from 'vitest';
import cpu from './index.js';

describe('cpu', () => {
  it('burns CPU for the asked time and rejects a bad one', async () => {
    const before = process.cpuUsage();
    expect(await cpu.fetch(new Request('http://fn/?ms=30')).text()).toMatch(/^burned 30 ms of CPU/);
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1000).toBeGreaterThanOrEqual(25);
    expect(cpu.fetch(new Request('http://fn/?ms=-1')).status).toBe(400);
  });
});
