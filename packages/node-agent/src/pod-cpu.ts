import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The most processes one pod's tree is read for: its pids limit (pod-limits.ts) with room to spare. */
const MAX_TREE = 1024;

/**
 * CPU time a pod's processes have used so far, in ms, or undefined if `pid` is gone or /proc is
 * absent: `pid` and every process under it, with what their ended children used. A sandboxed pod's
 * `pid` is the bwrap the agent started, which itself uses next to nothing: its runtime is two levels
 * down; an unsandboxed one's children (a worker it spawned) count as well.
 */
export function processCpuMs(pid: number): number | undefined {
  const own = readCpuTicks(pid);
  if (own === undefined) return undefined;
  let ticks = own;
  const queue = childrenOf(pid);
  for (let seen = 0; queue.length > 0 && seen < MAX_TREE; seen++) {
    const next = queue.shift()!;
    ticks += readCpuTicks(next) ?? 0; // gone meanwhile: its time is now its parent's
    queue.push(...childrenOf(next));
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** utime + stime + cutime + cstime: its own CPU and that of its children it has waited for. */
function readCpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing paren are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return ticks.every(Number.isFinite) ? ticks.reduce((a, b) => a + b, 0) : undefined;
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** Millicores used over an interval: 50 ms of CPU in 100 ms = 500m. */
export function cpuMilli(usedMs: number, intervalMs: number): number {
  return intervalMs > 0 ? Math.max(0, (usedMs / intervalMs) * 1000) : 0;
}

export interface PodCpuSample {
  key: string;
  cpuMilli: number;
}

/** Remembers each pod's CPU time between calls and turns the growth into millicores. */
export function createCpuMeter(readCpuMs: (pid: number) => number | undefined = processCpuMs) {
  let previous = new Map<string, { pid: number; cpuMs: number; at: number }>();
  return (pods: readonly { key: string; pid: number }[], now: number): PodCpuSample[] => {
    const next = new Map<string, { pid: number; cpuMs: number; at: number }>();
    const samples: PodCpuSample[] = [];
    for (const { key, pid } of pods) {
      const cpuMs = readCpuMs(pid);
      if (cpuMs === undefined) continue;
      next.set(key, { pid, cpuMs, at: now });
      const before = previous.get(key);
      if (before && before.pid === pid) samples.push({ key, cpuMilli: cpuMilli(cpuMs - before.cpuMs, now - before.at) });
    }
    previous = next;
    return samples;
  };
}
