import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time a process has used so far, in ms, or undefined if it is gone or /proc is absent. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing paren are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
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
