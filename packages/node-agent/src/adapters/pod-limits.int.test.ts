import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir } from '@tide/testkit/testing';
import { describe, expect, it } from 'vitest';
import { cpuShares, openPodLimiter, removePodLimitDirs } from './pod-limits.js';

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
        expect(readFileSync(join(cgroup, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('100000');
        expect(Number(readFileSync(join(cgroup, 'cpu.shares'), 'utf8'))).toBe(cpuShares(200));
      } else {
        expect(readFileSync(join(cgroup, 'cpu.max'), 'utf8').trim()).toBe('100000 100000');
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
