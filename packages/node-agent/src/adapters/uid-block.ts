import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** Uids of sandboxed processes on this machine: blocks of them, one block per live agent. */
export const SANDBOX_UID_BASE = 200_000;
export const UID_BLOCK_SIZE = 1_000;
export const UID_BLOCKS = 60;

/** Where agents record which block each holds: one file per block, naming its holder. */
const DEFAULT_CLAIMS_DIR = '/run/tide/uid-blocks';

/** The uids one agent gives its sandboxed processes, held until `release`. */
export interface UidBlock {
  readonly index: number;
  readonly first: number;
  readonly last: number;
  release(): void;
}

/**
 * Claims a block of uids no other live agent on this machine holds. Each agent's network rules
 * match its own pods by uid (pod-network-guard.ts): with one range for all, one agent's rules would
 * refuse another's pods the ports it opened to them (its gateway's), and a pod of one agent could
 * share a uid with another's. A block whose holder is gone (killed with -9) is taken over. The data
 * directory picks where the search starts, so an agent usually gets its block back after a restart.
 */
export function claimUidBlock(dataDir: string, claimsDir = DEFAULT_CLAIMS_DIR): UidBlock {
  mkdirSync(claimsDir, { recursive: true, mode: 0o700 });
  const me = { pid: process.pid, started: startTimeOf(process.pid) };
  const start = Number.parseInt(createHash('sha256').update(dataDir).digest('hex').slice(0, 8), 16) % UID_BLOCKS;
  for (let i = 0; i < UID_BLOCKS; i++) {
    const index = (start + i) % UID_BLOCKS;
    const file = join(claimsDir, `block-${index}`);
    if (!tryClaim(file, me)) continue;
    const first = SANDBOX_UID_BASE + index * UID_BLOCK_SIZE;
    return {
      index,
      first,
      last: first + UID_BLOCK_SIZE - 1,
      release() {
        if (sameHolder(readHolder(file), me)) unlinkQuietly(file);
      },
    };
  }
  throw new Error(`every one of the ${UID_BLOCKS} blocks of sandbox uids in ${claimsDir} is held by a live agent on this machine`);
}

interface Holder {
  pid: number;
  started: string | undefined;
}

/** Creates the block's file for `me`, after removing it if its holder is gone; false if a live agent holds it. */
function tryClaim(file: string, me: Holder): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    // A holder being written (no content yet) is alive: never take a block out from under it.
    if (holder === 'unreadable' || isAlive(holder)) return false;
    unlinkQuietly(file);
  }
  return false;
}

function readHolder(file: string): Holder | 'unreadable' | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone: free
  }
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    return typeof value.pid === 'number' ? { pid: value.pid, started: value.started } : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** The holder's process still runs: same pid, and the same start time (a pid can be reused). */
function isAlive(holder: Holder | undefined): boolean {
  if (holder === undefined) return false;
  const started = startTimeOf(holder.pid);
  return started !== undefined && started === holder.started;
}

function sameHolder(holder: Holder | 'unreadable' | undefined, me: Holder): boolean {
  return typeof holder === 'object' && holder.pid === me.pid && holder.started === me.started;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}
