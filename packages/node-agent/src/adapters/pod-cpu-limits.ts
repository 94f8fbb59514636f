import { writeFileSync } from 'node:fs';
import type { PodContainment } from './pod-containment.js';
import { openPodLimiter, STARTUP_CPU_MILLI, type LimitedProcess, type PodCpu } from './pod-limits.js';

/**
 * The CPU quota of pods that run unsandboxed, where the agent is root and may make cgroups: each
 * runtime process joins a cpu cgroup of its own when the containment encloses it (before it runs any
 * function code), has a core while it starts, and is held to its cpuMilli once Ready. Memory and
 * pids stay as unsandboxed pods always had them (the V8 heap limit, no pids limit): those are the
 * sandbox's (pod-sandbox.ts), and a kill by the memory cgroup would change what an unsandboxed pod
 * reports when it runs out of memory.
 */
export interface UnsandboxedCpuLimits {
  /** 'cpu: cgroup v1' or 'cpu: none (why)', for the agent's log. */
  readonly describe: string;
  /** The containment, whose enclose() also puts the process in its cpu cgroup and whose killAll() removes it. */
  wrap(containment: PodContainment): PodContainment;
  /** Holds process `token` to `cpu` from now on; false where it has no cpu cgroup. */
  limitCpu(token: string, cpu: PodCpu): boolean;
}

/** Undefined where the agent is not root: it could not move its pods into cgroups it made. */
export function openUnsandboxedCpuLimits(dataDir: string): UnsandboxedCpuLimits | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const limiter = openPodLimiter(dataDir, ['cpu']);
  const limited = new Map<string, LimitedProcess>();
  return {
    describe: limiter.describe,
    wrap(containment) {
      return {
        ...containment,
        enclose(token, pid) {
          containment.enclose(token, pid);
          const cgroups = limiter.prepare(token, { memoryMb: 0, cpuMilli: STARTUP_CPU_MILLI });
          try {
            for (const procs of cgroups.procsFiles) writeFileSync(procs, String(pid));
            limited.set(token, cgroups);
          } catch {
            cgroups.remove(); // gone already, or the kernel refused: it runs without a quota
          }
        },
        async killAll(token) {
          await containment.killAll(token);
          limited.get(token)?.remove();
          limited.delete(token);
        },
      };
    },
    limitCpu: (token, cpu) => limited.get(token)?.limitCpu(cpu) ?? false,
  };
}
