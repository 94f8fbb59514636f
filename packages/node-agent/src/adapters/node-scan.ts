import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { DirRef, DirView } from '../core/audit.js';
import { isAlive, isPodProcess, readPidFileSync } from './pid-file.js';

/**
 * Reads, synchronously (the audit decides in the same tick, so no pod starts or stops in between),
 * every directory under `<dataDir>/pods` and `<dataDir>/pool` with its pid file.
 */
export function readDirViews(dataDir: string): DirView[] {
  return (['pods', 'pool'] as const).flatMap((kind) => {
    const root = join(dataDir, kind);
    let names: string[];
    try {
      names = readdirSync(root, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? [entry.name] : []));
    } catch {
      return []; // the whole directory was deleted: every live process gets its directory back
    }
    return names.map((name) => {
      const pidFile = readPidFileSync(join(root, name));
      return pidFile ? { kind, name, pidFile } : { kind, name };
    });
  });
}

export const dirPath = (dataDir: string, dir: DirRef) => join(dataDir, dir.kind, dir.name);

/** Pids named by pid files whose process is alive and carries the file's token in its argv. */
export function recordedAlive(dirs: readonly DirView[]): number[] {
  return dirs.flatMap((dir) => (dir.pidFile && isAlive(dir.pidFile.pid) && isPodProcess(dir.pidFile) ? [dir.pidFile.pid] : []));
}

/**
 * Live processes running `runtimeEntry` whose working directory is inside dataDir (a spawned pod
 * runs in its pod directory, a pool process in the pool's, even once that was deleted): this agent's,
 * whoever started them and whether or not a pid file names them. Without /proc: none.
 */
export function findRuntimesIn(dataDir: string, runtimeEntry: string): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const inside = `${dataDir}/`;
  const found: number[] = [];
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      // The cwd first: reading a cmdline takes the process's memory map lock, which a process in
      // reclaim at its cgroup's limit (a sandboxed fork bomb's hundreds of shells) holds for seconds,
      // and this scan runs on the agent's event loop; a cwd outside the data directory needs none.
      if (!readlinkSync(`/proc/${pid}/cwd`).startsWith(inside)) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(runtimeEntry) && isAlive(pid)) found.push(pid);
    } catch {
      // gone meanwhile, or another user's process: not ours to judge
    }
  }
  return found;
}

/** The parent of a live process (field 4 of /proc/<pid>/stat), or undefined. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
