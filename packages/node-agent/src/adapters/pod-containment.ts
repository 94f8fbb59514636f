import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './pid-file.js';

/**
 * Every process of a pod carries this variable (a spawned pod from its start, a pooled one from its
 * spawn, and their children by inheritance): `<agent key>.<start token>`. It is how the environ
 * fallback finds a pod's processes, and lets anyone tell whose process this is.
 */
export const POD_TOKEN_ENV = 'TIDE_POD_TOKEN';

/** How long a kill waits for a pod's processes to be gone before it gives up (and logs). */
const KILL_WAIT_MS = 2_000;
/** A pass of the environ sweep may miss a process forked meanwhile: sweep until one finds none. */
const MAX_SWEEPS = 5;

/**
 * How the agent finds every process a pod started, children that called setsid (which escape a
 * process-group kill) included:
 * - 'cgroup': a cgroup v2 per pod under `<cgroup2 mount><agent's cgroup>/tide-<agent key>/<token>`,
 *   ended with `cgroup.kill` (Linux 5.14+). Needs write access there: root, or a delegated subtree.
 * - 'environ': processes whose /proc/<pid>/environ carries the pod's POD_TOKEN_ENV. Works for any
 *   user, but a child that clears or replaces its environment escapes it.
 */
export type ContainmentMode = 'cgroup' | 'environ';

export interface PodContainment {
  readonly mode: ContainmentMode;
  /** Variables the pod's process is started with (and passes on to its children). */
  env(token: string): Record<string, string>;
  /**
   * Moves a process spawned a moment ago into its pod's cgroup. Only for Node runtimes: Node runs
   * tens of ms of its own start-up before any function code, so nothing has forked yet (a process
   * that forks at once, like `sh -c 'cmd &'`, could leave a child outside before it is moved).
   */
  enclose(token: string, pid: number): void;
  /** SIGKILLs every process of the pod still alive; resolves once they are gone (or after 2 s). */
  killAll(token: string): Promise<void>;
  /** Kills every process of every pod of this data directory: what an agent that crashed left. */
  killLeftovers(): Promise<void>;
  /** Removes the agent's cgroup directory once its pods are gone (a new agent creates it again). */
  close(): void;
}

export interface ContainmentOptions {
  /** Absolute, symlinks resolved: it names the agent's cgroup and its processes' tokens. */
  dataDir: string;
  /** 'environ' skips cgroups even where they work. Default 'auto'. */
  prefer?: 'auto' | 'environ';
  /** One line when cgroups are not available (said once per agent), or when a kill fails. */
  onLog(line: string): void;
}

/** Opens the cgroup directory of this agent, or settles for the environ sweep and says why. */
export function openPodContainment(options: ContainmentOptions): PodContainment {
  const key = createHash('sha256').update(options.dataDir).digest('hex').slice(0, 16);
  const tokenValue = (token: string) => `${key}.${token}`;
  const cgroupDir = options.prefer === 'environ' ? undefined : openAgentCgroup(`tide-${key}`, options.onLog);
  /** Pods whose process could not be moved into a cgroup: found by their environment instead. */
  const unenclosed = new Set<string>();

  async function sweep(matches: (value: string) => boolean): Promise<void> {
    for (let pass = 0; pass < MAX_SWEEPS; pass++) {
      const found = findByEnviron(matches);
      if (found.length === 0) return;
      for (const pid of found) signal(pid, 'SIGKILL');
      if (!(await allGone(found))) options.onLog(`pod processes ${found.join(', ')} still alive ${KILL_WAIT_MS} ms after SIGKILL`);
    }
  }

  async function killCgroup(dir: string): Promise<void> {
    if (!existsSync(dir)) return;
    try {
      writeFileSync(join(dir, 'cgroup.kill'), '1');
      if (!(await cgroupEmptied(dir))) options.onLog(`cgroup ${dir} not empty ${KILL_WAIT_MS} ms after cgroup.kill`);
      rmdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.onLog(`killing cgroup ${dir} failed: ${(error as Error).message}`);
    }
  }

  return {
    mode: cgroupDir === undefined ? 'environ' : 'cgroup',
    env: (token) => ({ [POD_TOKEN_ENV]: tokenValue(token) }),
    enclose(token, pid) {
      if (cgroupDir === undefined) return;
      try {
        const dir = join(cgroupDir, token);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'cgroup.procs'), String(pid));
      } catch (error) {
        unenclosed.add(token);
        options.onLog(`pod process ${pid} stays outside a cgroup (${(error as Error).message}): its children are found by ${POD_TOKEN_ENV}`);
      }
    },
    async killAll(token) {
      if (cgroupDir !== undefined) await killCgroup(join(cgroupDir, token));
      if (cgroupDir === undefined || unenclosed.delete(token)) await sweep((value) => value === tokenValue(token));
    },
    async killLeftovers() {
      if (cgroupDir !== undefined) {
        const left = readdirSync(cgroupDir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
        await Promise.all(left.map((entry) => killCgroup(join(cgroupDir, entry.name))));
      }
      // Also after cgroups: the previous agent may have run without them.
      await sweep((value) => value.startsWith(`${key}.`));
    },
    close() {
      if (cgroupDir === undefined) return;
      try {
        rmdirSync(cgroupDir);
      } catch (error) {
        options.onLog(`removing cgroup ${cgroupDir} failed: ${(error as Error).message}`);
      }
    },
  };
}

/**
 * `<cgroup2 mount><this process's cgroup>/<name>`, created, when this process may put processes
 * there and the kernel has cgroup.kill; otherwise undefined and one line saying why.
 */
function openAgentCgroup(name: string, onLog: (line: string) => void): string | undefined {
  const degrade = (why: string) => {
    onLog(
      `no cgroup per pod (${why}): a pod's processes are found by ${POD_TOKEN_ENV} in /proc/<pid>/environ, and a child that clears its environment outlives its pod`,
    );
    return undefined;
  };
  try {
    const mount = cgroup2Mount();
    if (mount === undefined) return degrade('no cgroup2 file system mounted');
    const own = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('0::'))
      ?.slice(3);
    if (own === undefined) return degrade('this process is in no cgroup v2');
    const parent = join(mount, own);
    // Moving a pod out of the agent's cgroup needs write access to the parent's cgroup.procs.
    accessSync(join(parent, 'cgroup.procs'), constants.W_OK);
    const dir = join(parent, name);
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'cgroup.kill'))) return degrade('the kernel has no cgroup.kill (Linux 5.14+)');
    return dir;
  } catch (error) {
    return degrade((error as Error).message);
  }
}

function cgroup2Mount(): string | undefined {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  for (const line of lines) {
    const [before, after] = line.split(' - ');
    if (after?.split(' ')[0] === 'cgroup2') return before!.split(' ')[4];
  }
  return undefined;
}

async function cgroupEmptied(dir: string): Promise<boolean> {
  const giveUpAt = Date.now() + KILL_WAIT_MS;
  while (readFileSync(join(dir, 'cgroup.events'), 'utf8').includes('populated 1')) {
    if (Date.now() >= giveUpAt) return false;
    await sleep(5);
  }
  return true;
}

/** Live processes (not this one) whose POD_TOKEN_ENV value matches. Without /proc: none. */
function findByEnviron(matches: (value: string) => boolean): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const prefix = `${POD_TOKEN_ENV}=`;
  const found: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue; // gone, or another user's
    }
    const entry = environ.split('\0').find((variable) => variable.startsWith(prefix));
    if (entry !== undefined && matches(entry.slice(prefix.length)) && isAlive(Number(name))) found.push(Number(name));
  }
  return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function allGone(pids: readonly number[]): Promise<boolean> {
  const giveUpAt = Date.now() + KILL_WAIT_MS;
  while (pids.some(isAlive)) {
    if (Date.now() >= giveUpAt) return false;
    await sleep(5);
  }
  return true;
}
