import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Processes (threads included) a sandboxed pod of `memoryMb` may have: two per MB, from 128 (a
 * runtime alone has about a dozen threads, each worker thread about eight more) up to Lambda's 1 024.
 * A fork bomb stops here, and it must stop here before it fills the pod's memory: shells at ~300 KB
 * each (their page tables and kernel stacks count against the memory cgroup) took a 128 MB pod to an
 * OOM kill at 512, and the kills, restarts and redeploys that followed raised a neighbouring
 * function's p99 latency by 530 % (bench section 13); held to 256, the same bomb raised it by none.
 */
export function podPidsMax(memoryMb: number): number {
  return Math.min(1024, Math.max(128, 2 * Math.floor(memoryMb)));
}

/**
 * The CFS period of a pod's CPU quota: 10 ms, not Kubernetes' 100 ms. A pod spends its quota in a
 * burst at the start of each period, on as many cores as it has threads, then waits out the rest:
 * a 200m pod spinning three threads held both cores of a 2-core node for ~10 ms of every 100, and
 * a neighbouring function's calls that fell in those bursts waited (p99 +99 % in bench section 13);
 * with bursts of ~1 ms in 10 the same spin added 8 %. A pod too small for 1 ms of quota per 10 ms
 * gets a longer period instead (cpuPeriodUs).
 */
export const CPU_PERIOD_US = 10_000;
/** The kernel refuses a quota under 1 ms per period, and a period over 1 s. */
const MIN_CPU_QUOTA_US = 1_000;
const MAX_CPU_PERIOD_US = 1_000_000;

/**
 * CPU a pod has while it starts (Node's own start-up, then its module's top level), before its
 * `cpuMilli` holds (from STARTUP_CPU_AFTER_READY_MS after Ready on): one core, or more if it asked for more. A 100m pod's start would
 * otherwise take ten times its CPU time (Cloud Run's "startup CPU boost" makes the same trade).
 * A start that spins is still held to a core and ended by the start timeout.
 */
export const STARTUP_CPU_MILLI = 1_000;
/**
 * How long the start's CPU lasts after Ready: the call that woke the pod arrives right then, and its
 * first run (V8 compiling the handler's path) held to 100m would take ten times as long. Measured
 * in bench section 12 (20 warm-pool starts alternating with and without the sandbox, a loaded
 * 2-core machine): dropping to cpuMilli at Ready added ~22 ms (median of paired differences) to a
 * warm-pool start, keeping the boost ~5 ms, the noise of that machine.
 */
export const STARTUP_CPU_AFTER_READY_MS = 1_000;
/**
 * The weight of a warm-pool process until a pod claims it (the default request, 100m): it starts
 * on speculation, so it takes the CPU nobody else wants, never a neighbour's. A pod's own start
 * weighs what the pod asked for; only its quota is boosted.
 */
export const POOL_CPU_WEIGHT_MILLI = 100;

/**
 * A pod's CPU once started: the quota it may use at most (its ceiling) and its weight against the
 * neighbours it competes with (what it asked for): a pod that asked for 200m and spins up to its
 * 1000m ceiling takes a core only while nobody else wants it.
 */
export interface PodCpu {
  quotaMilli: number;
  weightMilli: number;
}

/** What the kernel enforces on a sandboxed pod's processes. */
export interface PodLimits {
  /** memory.max (v2) or memory.limit_in_bytes (v1): the pod's whole memory, not only its heap. */
  memoryMb: number;
  /** cpu.max (v2) or cpu.cfs_quota_us (v1): millicores over all its processes and threads; absent = none. */
  cpuMilli?: number;
  /** cpu.weight (v2) or cpu.shares (v1), as millicores: its weight against its neighbours (default cpuMilli). */
  cpuWeightMilli?: number;
}

/** The period for `cpuMilli`: CPU_PERIOD_US, or the shortest over it that gives 1 ms of quota (50m: 20 ms). */
export function cpuPeriodUs(cpuMilli: number): number {
  return Math.min(MAX_CPU_PERIOD_US, Math.max(CPU_PERIOD_US, Math.ceil((MIN_CPU_QUOTA_US * 1000) / cpuMilli)));
}

/** The quota that holds `cpuMilli` per cpuPeriodUs (1000m = one core's whole period). */
export function cpuQuotaUs(cpuMilli: number): number {
  return Math.max(MIN_CPU_QUOTA_US, Math.round((cpuMilli * cpuPeriodUs(cpuMilli)) / 1000));
}

/** The cgroups made for one process; asked after it ended whether the kernel's OOM killer ended it. */
export interface LimitedProcess {
  /** The `cgroup.procs` files the process writes its pid into before it starts anything. */
  readonly procsFiles: readonly string[];
  /** True when the memory cgroup counted an OOM kill. */
  oomKilled(): boolean;
  /** Sets its CPU quota and weight now (a pod's start is over); false where no cpu controller is in use or the kernel refused. */
  limitCpu(cpu: PodCpu): boolean;
  /** Removes its cgroups (its processes are gone). */
  remove(): void;
}

export interface PodLimiter {
  /** Which controllers limit pods and where ('memory: cgroup v1, pids: none (...), cpu: cgroup v1'), for the agent's log. */
  readonly describe: string;
  /** Makes cgroups for process `token` with these limits; controllers that are not available are skipped. */
  prepare(token: string, limits: PodLimits): LimitedProcess;
}

export type Controller = 'memory' | 'pids' | 'cpu';

/**
 * Finds, for memory, pids and cpu (or only those named), a cgroup hierarchy this process may create
 * children in: cgroup v2 where the controller is enabled there, else the controller's v1 hierarchy
 * (hybrid machines). The pod's own cgroup is `<hierarchy><this process's cgroup>/tide-limits-<key>/<token>`.
 */
export function openPodLimiter(dataDir: string, controllers: readonly Controller[] = ALL_CONTROLLERS): PodLimiter {
  const key = limitsKey(dataDir);
  const found = new Map<Controller, { dir: string; version: 1 | 2 }>();
  const why: string[] = [];
  for (const controller of controllers) {
    const place = findHierarchy(controller);
    if (typeof place === 'string') {
      why.push(`${controller}: none (${place})`);
      continue;
    }
    try {
      sweepOrphanPodCgroups(place.dir, Date.now());
      const dir = join(place.dir, `tide-limits-${key}`);
      mkdirSync(dir, { recursive: true });
      if (place.version === 2) writeFileSync(join(dir, 'cgroup.subtree_control'), `+${controller}`);
      found.set(controller, { dir, version: place.version });
      why.push(`${controller}: cgroup v${place.version}`);
    } catch (error) {
      why.push(`${controller}: none (${(error as Error).message})`);
    }
  }

  return {
    describe: why.join(', '),
    prepare(token, limits) {
      const dirs: Array<{ controller: Controller; dir: string; version: 1 | 2 }> = [];
      for (const [controller, place] of found) {
        const dir = join(place.dir, token);
        try {
          mkdirSync(dir, { recursive: true });
          const bytes = String(limits.memoryMb * 1024 * 1024);
          if (controller === 'memory') writeFileSync(join(dir, place.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), bytes);
          if (controller === 'memory' && place.version === 2 && existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
          if (controller === 'memory' && place.version === 1 && existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) {
            writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), bytes);
          }
          if (controller === 'pids') writeFileSync(join(dir, 'pids.max'), String(podPidsMax(limits.memoryMb)));
          if (controller === 'cpu' && limits.cpuMilli !== undefined)
            writeCpuQuota(dir, place.version, { quotaMilli: limits.cpuMilli, weightMilli: limits.cpuWeightMilli ?? limits.cpuMilli });
          dirs.push({ controller, dir, version: place.version });
        } catch {
          // The kernel refused: the process runs without this limit.
        }
      }
      return {
        procsFiles: dirs.map(({ dir }) => join(dir, 'cgroup.procs')),
        oomKilled() {
          const memory = dirs.find((entry) => entry.controller === 'memory');
          if (!memory) return false;
          try {
            const text = readFileSync(join(memory.dir, memory.version === 2 ? 'memory.events' : 'memory.oom_control'), 'utf8');
            return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0) > 0;
          } catch {
            return false;
          }
        },
        limitCpu(limit) {
          const cpu = dirs.find((entry) => entry.controller === 'cpu');
          if (!cpu) return false;
          try {
            writeCpuQuota(cpu.dir, cpu.version, limit);
            return true;
          } catch {
            return false; // gone meanwhile (the pod exited), or the kernel refused
          }
        },
        remove() {
          for (const { dir } of dirs) {
            try {
              rmdirSync(dir);
            } catch {
              // still busy or gone: the next agent's cleanup or the kernel's
            }
          }
        },
      };
    },
  };
}

/**
 * Kubernetes' cpu.shares for `cpuMilli` (1024 a core, at least 2): while a pod runs inside its quota
 * it competes for a core in proportion to what it asked for, so a 200m pod spinning does not take the
 * CPU from a 500m neighbour's call for the rest of its timeslice.
 */
export function cpuShares(cpuMilli: number): number {
  return Math.max(2, Math.round((cpuMilli * 1024) / 1000));
}

const ALL_CONTROLLERS: readonly Controller[] = ['memory', 'pids', 'cpu'];
const limitsKey = (dataDir: string) => createHash('sha256').update(dataDir).digest('hex').slice(0, 16);

/**
 * Removes the `tide-limits-<key>` cgroups of the agent of `dataDir` once its pods are gone (the next
 * agent makes them again): otherwise every data directory ever used leaves three empty cgroups.
 * One still holding a pod's cgroup (its processes outlived their kill) stays.
 */
export function removePodLimitDirs(dataDir: string): void {
  for (const controller of ALL_CONTROLLERS) {
    const place = findHierarchy(controller);
    if (typeof place === 'string') continue;
    try {
      rmdirSync(join(place.dir, `tide-limits-${limitsKey(dataDir)}`));
    } catch {
      // never made (controller not used), or not empty: nothing to do, or nothing safe to do
    }
  }
}

/** How old an empty pod cgroup must be before a sweep removes it: far longer than a pod takes to join the one made for it. */
export const ORPHAN_CGROUP_AGE_MS = 60_000;

/**
 * Removes the pod cgroups (`tide-limits-*`/<token>) under `parent` that hold no process and are
 * older than ORPHAN_CGROUP_AGE_MS: those of pods whose agent was killed before it could remove them
 * (a test run that kills agents left hundreds). Only empty ones: a cgroup with a process in it is
 * a live pod's, whoever's; and no agent's `tide-limits-<key>` itself, which a live agent may be
 * about to make a pod's in (on cgroup v2 it carries the controllers the agent enabled).
 */
export function sweepOrphanPodCgroups(parent: string, nowMs: number): number {
  let removed = 0;
  let agents: string[];
  try {
    agents = readdirSync(parent).filter((name) => name.startsWith('tide-limits-'));
  } catch {
    return 0;
  }
  for (const agent of agents) removed += sweepAgentCgroups(join(parent, agent), nowMs);
  return removed;
}

/** The sweep of one agent's `tide-limits-<key>`: its pod cgroups that are old and empty. */
export function sweepAgentCgroups(agentDir: string, nowMs: number): number {
  let pods: string[];
  try {
    pods = readdirSync(agentDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const pod of pods) {
    const dir = join(agentDir, pod);
    try {
      if (nowMs - statSync(dir).mtimeMs < ORPHAN_CGROUP_AGE_MS) continue;
      if (readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() !== '') continue;
      rmdirSync(dir);
      removed++;
    } catch {
      // gone meanwhile, or busy: the next sweep's
    }
  }
  return removed;
}

/** v2: cpu.max "<quota> <period>" and cpu.weight; v1: the period first, as the kernel checks the quota against it, and cpu.shares. */
function writeCpuQuota(dir: string, version: 1 | 2, cpu: PodCpu): void {
  const quota = cpuQuotaUs(cpu.quotaMilli);
  const period = cpuPeriodUs(cpu.quotaMilli);
  const shares = cpuShares(cpu.weightMilli);
  if (version === 2) {
    writeFileSync(join(dir, 'cpu.max'), `${quota} ${period}`);
    // The runc/Kubernetes mapping of shares [2, 262144] onto weight [1, 10000].
    return writeFileSync(join(dir, 'cpu.weight'), String(Math.round(1 + ((shares - 2) * 9999) / 262142)));
  }
  writeFileSync(join(dir, 'cpu.cfs_period_us'), String(period));
  writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
  writeFileSync(join(dir, 'cpu.shares'), String(shares));
}

/** Where `controller` can be used, or why not. */
function findHierarchy(controller: Controller): { dir: string; version: 1 | 2 } | string {
  let own: string[];
  let mounts: string[];
  try {
    own = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
    mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  } catch (error) {
    return (error as Error).message;
  }
  for (const line of mounts) {
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const [type, , options] = after.split(' ');
    const mountPoint = before.split(' ')[4]!;
    if (type === 'cgroup2') {
      const path = own.find((entry) => entry.startsWith('0::'))?.slice(3);
      if (path === undefined) continue;
      const dir = join(mountPoint, path);
      try {
        if (readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes(controller)) return { dir, version: 2 };
      } catch {
        // not readable: try v1
      }
    }
    if (type === 'cgroup' && options?.split(',').includes(controller)) {
      const path = own.find((entry) => entry.split(':')[1]?.split(',').includes(controller))?.split(':')[2];
      if (path !== undefined) return { dir: join(mountPoint, path), version: 1 };
    }
  }
  return `no cgroup hierarchy has the ${controller} controller`;
}
