import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

/** Sums a process's CPU over the stretches passed to `measure`. */
export function createCpuMeter(pid: number | undefined) {
  let seconds = 0;
  let readable = processCpuSeconds(pid) !== undefined;
  return {
    async measure<T>(work: () => Promise<T>): Promise<T> {
      const before = processCpuSeconds(pid);
      const result = await work();
      const after = processCpuSeconds(pid);
      if (before === undefined || after === undefined) readable = false;
      else seconds += after - before;
      return result;
    },
    /** Total CPU seconds measured, or undefined if /proc could not be read. */
    seconds: () => (readable ? seconds : undefined),
  };
}
