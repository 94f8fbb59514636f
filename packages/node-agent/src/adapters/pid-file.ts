import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Written beside each pod, so an agent that restarts after a crash can find the pods it left behind. */
export interface PidFile {
  pid: number;
  /** Random per process start and present in the process's argv: tells our process from a reused pid. */
  startToken: string;
}

export const PID_FILE = 'pid';

export function writePidFile(podDir: string, content: PidFile): void {
  // Synchronous on purpose: the window between spawn and a recorded pid must be as short as possible.
  writeFileSync(join(podDir, PID_FILE), `${JSON.stringify(content)}\n`);
}

export async function readPidFile(podDir: string): Promise<PidFile | undefined> {
  return parsePidFile(await readFile(join(podDir, PID_FILE), 'utf8').catch(() => undefined));
}

/** The same, synchronously: the drift audit reads a few small files in the tick it decides in. */
export function readPidFileSync(podDir: string): PidFile | undefined {
  try {
    return parsePidFile(readFileSync(join(podDir, PID_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

function parsePidFile(text: string | undefined): PidFile | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, startToken } = value as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof startToken !== 'string' || startToken === '') return undefined;
    return { pid, startToken };
  } catch {
    return undefined; // missing or torn (the agent died mid-write): nothing to recognise
  }
}

const hasProc = existsSync('/proc/self/stat');

/** Alive = exists and is not a zombie (an orphan nobody reaped yet is as good as gone). */
export function isAlive(pid: number): boolean {
  if (!hasProc) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * True only when the process's command line carries the pod's start token. Without /proc (not
 * Linux) nothing can be verified, so nothing is claimed: never kill a process that may not be ours.
 */
export function isPodProcess(file: PidFile): boolean {
  if (!hasProc) return false;
  try {
    return readFileSync(`/proc/${file.pid}/cmdline`, 'utf8').includes(file.startToken);
  } catch {
    return false;
  }
}
