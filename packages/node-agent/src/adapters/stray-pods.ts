import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, isPodProcess, readPidFile } from './pid-file.js';

export interface StrayPodsResult {
  /** Pod directories found and removed. */
  removed: string[];
  /** Pids of live runtime processes that were killed. */
  killed: number[];
}

/**
 * Clears what a previous agent on this data directory left behind (it was SIGKILLed, or the machine
 * lost power): every live process recorded in a pod's pid file that really is that pod gets SIGTERM,
 * then SIGKILL after graceMs; then every pod directory is removed. A new agent owns no pod yet, so
 * all of them are stale.
 */
export async function clearStrayPods(podsDir: string, graceMs = 2_000): Promise<StrayPodsResult> {
  const names = await readdir(podsDir).catch(() => [] as string[]);
  const ours: number[] = [];
  for (const name of names) {
    const file = await readPidFile(join(podsDir, name));
    if (file && isAlive(file.pid) && isPodProcess(file)) ours.push(file.pid);
  }
  signalAll(ours, 'SIGTERM');
  if (!(await allGone(ours, graceMs))) {
    signalAll(ours, 'SIGKILL');
    await allGone(ours, graceMs);
  }
  await Promise.all(names.map((name) => rm(join(podsDir, name), { recursive: true, force: true })));
  return { removed: names, killed: ours };
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function allGone(pids: readonly number[], withinMs: number): Promise<boolean> {
  const giveUpAt = Date.now() + withinMs;
  while (pids.some(isAlive)) {
    if (Date.now() >= giveUpAt) return false;
    await sleep(20);
  }
  return true;
}
