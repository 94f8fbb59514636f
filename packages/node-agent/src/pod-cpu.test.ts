import { spawn } from 'node:child_process';
import { waitFor } from '@tide/testkit/testing';
import { describe, expect, it } from 'vitest';
import { cpuMilli, createCpuMeter, processCpuMs } from './pod-cpu.js';

describe('pod CPU', () => {
  it('turns CPU time over an interval into millicores', () => {
    expect(cpuMilli(50, 100)).toBe(500);
    expect(cpuMilli(2000, 1000)).toBe(2000);
    expect(cpuMilli(5, 0)).toBe(0);
  });

  it('measures each pod from its previous reading, and starts over when its pid changes', () => {
    const cpu = new Map([
      [10, 100],
      [11, 0],
    ]);
    const meter = createCpuMeter((pid) => cpu.get(pid));
    expect(meter([{ key: 'a', pid: 10 }], 0)).toEqual([]);
    cpu.set(10, 350);
    expect(meter([{ key: 'a', pid: 10 }], 1000)).toEqual([{ key: 'a', cpuMilli: 250 }]);
    expect(meter([{ key: 'a', pid: 11 }], 2000)).toEqual([]);
    expect(meter([{ key: 'a', pid: 99 }], 3000)).toEqual([]);
  });

  it('reads this process from /proc', () => {
    // Spin until /proc shows the CPU used (bounded): a loaded machine may deschedule us meanwhile.
    const before = processCpuMs(process.pid)!;
    const until = Date.now() + 5000;
    let used = 0;
    while (Date.now() < until && (used = processCpuMs(process.pid)! - before) < 50);
    expect(used).toBeGreaterThanOrEqual(50);
    expect(processCpuMs(2 ** 30)).toBeUndefined();
  });

  it("counts the processes under a pod's process: a sandboxed pod's runtime is bwrap's grandchild", async () => {
    // sh (idle) → sh (idle) → node spinning: the tree's CPU grows as the grandchild spins.
    // A process group of its own, killed whole at the end: nothing may go on spinning after the test.
    const wrapper = spawn('sh', ['-c', `sh -c '${process.execPath} -e "for (;;) {}"'; :`], { stdio: 'ignore', detached: true });
    try {
      const before = processCpuMs(wrapper.pid!)!;
      expect(before).toBeDefined();
      await waitFor(() => (processCpuMs(wrapper.pid!) ?? before) - before >= 100, { what: "100 ms of CPU in the spinner's tree", timeoutMs: 10_000 });
    } finally {
      process.kill(-wrapper.pid!, 'SIGKILL');
    }
  });
});
