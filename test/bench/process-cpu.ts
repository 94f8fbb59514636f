import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc times (almost always 100). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined where
 * there is no /proc. Field 14 is utime, 15 stime; the command name (field 2) may hold spaces, so
 * fields are counted after its closing parenthesis.
 */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Pids whose parent is `pid` (nginx's workers under its master), found by scanning /proc: the
 * per-task `children` file needs a kernel option that not every machine has.
 */
export function childPids(pid: number): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) is the second field after the command name's closing parenthesis.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** CPU seconds of several processes together; undefined if any cannot be read. */
function totalCpuSeconds(pids: readonly number[] | undefined): number | undefined {
  if (pids === undefined || pids.length === 0) return undefined;
  let total = 0;
  for (const pid of pids) {
    const seconds = processCpuSeconds(pid);
    if (seconds === undefined) return undefined;
    total += seconds;
  }
  return total;
}

/** Sums the CPU of one process, or of a group (nginx's master and workers), over the stretches passed to `measure`. */
export function createCpuMeter(pids: number | readonly number[] | undefined) {
  const group = pids === undefined ? undefined : typeof pids === 'number' ? [pids] : pids;
  let seconds = 0;
  let readable = totalCpuSeconds(group) !== undefined;
  return {
    async measure<T>(work: () => Promise<T>): Promise<T> {
      const before = totalCpuSeconds(group);
      const result = await work();
      const after = totalCpuSeconds(group);
      if (before === undefined || after === undefined) readable = false;
      else seconds += after - before;
      return result;
    },
    /** Total CPU seconds measured, or undefined if /proc could not be read. */
    seconds: () => (readable ? seconds : undefined),
  };
}
