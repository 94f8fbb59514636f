/**
 * One writer per log directory: `<dir>/LOCK` holds the writer's pid. A lock whose pid is not a
 * live process is stale (its writer crashed) and is taken over.
 *
 * Limits, by design of a pid file: a crashed writer's pid reused by an unrelated live process
 * makes the lock look held (the error names the pid; delete LOCK by hand), and two processes
 * taking over the same stale lock at the same instant can race. Within one process a second
 * writer open of the same directory is refused through an in-memory set.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LogLockedError } from './errors.js';

const heldInThisProcess = new Set<string>();

export interface DirLock {
  release(): Promise<void>;
}

export async function acquireLock(dir: string): Promise<DirLock> {
  const key = resolve(dir);
  if (heldInThisProcess.has(key)) throw new LogLockedError(dir, process.pid);
  heldInThisProcess.add(key);
  try {
    await takeLockFile(dir);
  } catch (error) {
    heldInThisProcess.delete(key);
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      heldInThisProcess.delete(key);
      await unlinkIfOurs(join(dir, 'LOCK'));
    },
  };
}

async function takeLockFile(dir: string): Promise<void> {
  const file = join(dir, 'LOCK');
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusive(file)) return;
    const holder = await readPid(file);
    if (holder === undefined) continue; // removed meanwhile: try to create it again
    if (holder === 0 && attempt === 0) {
      // Empty: a racing opener may be between create and write. Give it a moment first.
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    // Our own pid in a lock we do not hold in memory is a previous incarnation's (e.g. pid 1 in a container).
    if (holder !== process.pid && isAlive(holder)) throw new LogLockedError(dir, holder);
    await unlink(file).catch(ignoreMissing);
  }
  const holder = await readPid(file);
  throw new LogLockedError(dir, holder ?? -1);
}

async function createExclusive(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${process.pid}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  const pid = Number.parseInt(text.trim(), 10);
  // An empty or unparsable lock is what a writer killed between create and write leaves behind.
  return Number.isSafeInteger(pid) && pid > 0 ? pid : 0;
}

/** process.kill(pid, 0) checks existence without signalling; EPERM means it exists but is not ours. */
function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function unlinkIfOurs(file: string): Promise<void> {
  if ((await readPid(file)) === process.pid) await unlink(file).catch(ignoreMissing);
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
