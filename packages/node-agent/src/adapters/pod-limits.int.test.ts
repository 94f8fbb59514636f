import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { describe, expect, it } from 'vitest';
import { cpuPeriodUs, cpuQuotaUs, cpuShares, openPodLimiter, ORPHAN_CGROUP_AGE_MS, podPidsMax, removePodLimitDirs, sweepAgentCgroups } from './pod-limits.js';

/** Where this process may make cpu cgroups (root), else why not. */
const canLimit = process.getuid?.() === 0 ? undefined : 'not root: the agent makes no cgroups';

describe.skipIf(canLimit !== undefined)(`a pod's CPU once started${canLimit ? ` (skipped: ${canLimit})` : ''}`, () => {
  it('is held to its ceiling as a quota, and weighs what it asked for against its neighbours', async () => {
    const dir = await makeTempDir('tide-limits-');
    const limiter = openPodLimiter(dir.path, ['cpu']);
    if (!/cpu: cgroup v[12]/.test(limiter.describe)) return void (await dir.remove());
    const pod = limiter.prepare('pod-a', { memoryMb: 64, cpuMilli: 1000 });
    try {
      expect(pod.limitCpu({ quotaMilli: 1000, weightMilli: 200 })).toBe(true);
      const cgroup = dirname(pod.procsFiles[0]!);
      if (existsSync(join(cgroup, 'cpu.shares'))) {
        expect(readFileSync(join(cgroup, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('10000');
        expect(readFileSync(join(cgroup, 'cpu.cfs_period_us'), 'utf8').trim()).toBe('10000');
        expect(Number(readFileSync(join(cgroup, 'cpu.shares'), 'utf8'))).toBe(cpuShares(200));
      } else {
        expect(readFileSync(join(cgroup, 'cpu.max'), 'utf8').trim()).toBe('10000 10000');
        // Kubernetes' shares → weight: 200m is 205 shares, weight 8 (a core's 1024 shares would be 39).
        expect(Number(readFileSync(join(cgroup, 'cpu.weight'), 'utf8'))).toBe(8);
      }
    } finally {
      pod.remove();
      removePodLimitDirs(dir.path);
      await dir.remove();
    }
  });
});

describe.skipIf(canLimit !== undefined)(`a pod's process count${canLimit ? ` (skipped: ${canLimit})` : ''}`, () => {
  it('is limited in proportion to its memory, so that a fork bomb meets the pids limit before the memory limit', async () => {
    const dir = await makeTempDir('tide-limits-');
    const limiter = openPodLimiter(dir.path, ['pids']);
    if (!/pids: cgroup v[12]/.test(limiter.describe)) return void (await dir.remove());
    const small = limiter.prepare('pod-small', { memoryMb: 128 });
    const large = limiter.prepare('pod-large', { memoryMb: 8192 });
    try {
      expect(readFileSync(join(dirname(small.procsFiles[0]!), 'pids.max'), 'utf8').trim()).toBe('256');
      expect(readFileSync(join(dirname(large.procsFiles[0]!), 'pids.max'), 'utf8').trim()).toBe('1024');
    } finally {
      small.remove();
      large.remove();
      removePodLimitDirs(dir.path);
      await dir.remove();
    }
  });
});

describe('podPidsMax', () => {
  it('gives two processes per MB, at least 128 and at most 1 024', () => {
    expect(podPidsMax(32)).toBe(128);
    expect(podPidsMax(128)).toBe(256);
    expect(podPidsMax(300)).toBe(600);
    expect(podPidsMax(10_240)).toBe(1024);
  });
});

describe('cpuPeriodUs and cpuQuotaUs', () => {
  it('hold a pod to its millicores in 10 ms periods, longer where 10 ms would give it under 1 ms', () => {
    expect([cpuPeriodUs(1000), cpuQuotaUs(1000)]).toEqual([10_000, 10_000]);
    expect([cpuPeriodUs(200), cpuQuotaUs(200)]).toEqual([10_000, 2_000]);
    expect([cpuPeriodUs(2500), cpuQuotaUs(2500)]).toEqual([10_000, 25_000]);
    expect([cpuPeriodUs(50), cpuQuotaUs(50)]).toEqual([20_000, 1_000]);
    expect([cpuPeriodUs(10), cpuQuotaUs(10)]).toEqual([100_000, 1_000]);
  });
});

describe.skipIf(canLimit !== undefined)(`orphaned pod cgroups${canLimit ? ` (skipped: ${canLimit})` : ''}`, () => {
  it('are removed by the next agent once old and empty; a pod cgroup with a process in it, or a young one, stays', async () => {
    const dir = await makeTempDir('tide-limits-');
    const limiter = openPodLimiter(dir.path, ['pids']);
    if (!/pids: cgroup v[12]/.test(limiter.describe)) return void (await dir.remove());
    const orphan = dirname(limiter.prepare('pod-orphan', { memoryMb: 128 }).procsFiles[0]!);
    const young = dirname(limiter.prepare('pod-young', { memoryMb: 128 }).procsFiles[0]!);
    const busy = limiter.prepare('pod-busy', { memoryMb: 128 });
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(busy.procsFiles[0]!, String(sleeper.pid));
      // This agent's own cgroups only: a sweep of the machine's with a clock a minute ahead would take other tests' pods' cgroups in the moment before their processes join them.
      const agentDir = dirname(orphan);
      expect(sweepAgentCgroups(agentDir, statSync(young).mtimeMs + ORPHAN_CGROUP_AGE_MS - 1_000)).toBe(0);
      expect([existsSync(orphan), existsSync(young)]).toEqual([true, true]);
      expect(sweepAgentCgroups(agentDir, Math.max(statSync(orphan).mtimeMs, statSync(young).mtimeMs) + ORPHAN_CGROUP_AGE_MS + 1)).toBe(2);
      expect([existsSync(orphan), existsSync(young)]).toEqual([false, false]);
      expect(existsSync(dirname(busy.procsFiles[0]!))).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((resolve) => sleeper.once('exit', resolve));
      busy.remove();
      removePodLimitDirs(dir.path);
      await dir.remove();
    }
  });
});
