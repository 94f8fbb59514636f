import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { openPodLimiter, type LimitedProcess, type PodCpu, type PodLimits } from './pod-limits.js';
import { basename, delimiter, dirname, join } from 'node:path';
import { UNSANDBOXED_TENANT } from '@tide/core';
import { claimUidBlock, SANDBOX_UID_BASE, UID_BLOCK_SIZE, UID_BLOCKS, type UidBlock } from './uid-block.js';
import { openPodSyscallFilter, SANDBOX_SECCOMP_FD, unfilteredSyscalls, type PodSyscallFilter } from './pod-syscall-filter.js';

/**
 * How a pod's runtime process is isolated from the node and from other pods:
 * - 'none': a bare process of the agent's user (every pod sees what the agent sees), where the
 *   machine cannot sandbox or the operator said so: such a node runs one tenant's code (core's
 *   isolationRefusal).
 * - 'bwrap': bubblewrap, started by a root agent, gives each runtime process its own PID, mount, IPC
 *   and UTS namespaces and runs it as its own unprivileged uid (setpriv). Its file system is the
 *   host's /usr read-only, a few /etc files, its own /proc, /dev and tmpfs /tmp, the Node binary and
 *   the runtime bundle read-only, and `/artifact` (read-only) where the agent puts the pod's code.
 *   It is not a VM: the network and the kernel are shared (see docs); nftables keeps pods from
 *   connecting to the machine itself (pod-network-guard.ts), a seccomp filter from the system calls
 *   that widen the kernel's surface or leave the sandbox (core/pod-syscall-rules.ts).
 */
export type SandboxMode = 'bwrap' | 'none';
/** What a node is asked for: 'auto' (the default) sandboxes where the machine can and says why not where it cannot. */
export type SandboxSetting = SandboxMode | 'auto';

/** Where a sandboxed process finds its pod's code: a read-only bind of a host directory. */
export const SANDBOX_ARTIFACT_DIR = '/artifact';
/** Its working directory and HOME: private, wiped with the process. */
export const SANDBOX_TMP_DIR = '/tmp';
/** bwrap writes `{"child-pid": N}` on this fd: SIGTERM goes there (bwrap does not forward it). */
export const SANDBOX_STATUS_FD = 4;

/** Uids of sandboxed processes: one per process, above any system or login user; each agent has a block of them (uid-block.ts). */
export const SANDBOX_UIDS = { first: SANDBOX_UID_BASE, last: SANDBOX_UID_BASE + UID_BLOCKS * UID_BLOCK_SIZE - 1 } as const;
/** Files of /etc a runtime may need (DNS, TLS roots); never passwd, shadow or the agent's config. */
const ETC_FILES = ['/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf', '/etc/ssl', '/etc/ca-certificates'];

/**
 * Named StartupError, as @tide/process's (which this file does not import: the agent's module
 * graph stays free of the log clients): the CLI prints the message alone and exits 1.
 */
export class SandboxUnavailableError extends Error {
  override name = 'StartupError';
  readonly exitCode = 1;
}

/** What spawns a sandboxed process: `file args`, with `extraFds` as its fds 4 on (after the IPC channel, 3). */
export interface SandboxCommand {
  file: string;
  args: string[];
  /** bwrap's status pipe (SANDBOX_STATUS_FD), then the fd it reads the seccomp program from (SANDBOX_SECCOMP_FD), if any. */
  extraFds: Array<'pipe' | number>;
  /** Closes the agent's copies of the fds handed over: call once spawn() has returned or thrown. */
  spawned(): void;
}

export interface PodSandbox {
  readonly mode: 'bwrap';
  /** The uids its processes get, one each in turn: its agent's block. */
  readonly uids: UidBlock;
  /** Gives the block of uids back (the agent stops). */
  close(): void;
  /**
   * The command that runs `file args` sandboxed, as process `token`: its `/artifact` is
   * `<dataDir>/sandbox/<token>`, created now (empty until placeArtifact).
   */
  command(token: string, file: string, args: readonly string[], limits: PodLimits): SandboxCommand;
  /** Copies the pod's code where process `token` sees it; returns the path it sees. */
  placeArtifact(token: string, artifactPath: string): string;
  /** Which limits this machine enforces, for the agent's log. */
  readonly limits: string;
  /** What the seccomp filter refuses pods, or why they run without one, for the agent's log. */
  readonly syscalls: string;
  /** Holds process `token` to `cpu` (quota and weight) from now on (its start is over); false where this machine cannot. */
  limitCpu(token: string, cpu: PodCpu): boolean;
  /** Removes what command() and placeArtifact() left for process `token` once it has exited; says whether it was OOM-killed. */
  release(token: string): { oomKilled: boolean };
}

export interface SandboxOptions {
  /** The agent's data directory (absolute): never visible to a pod. */
  dataDir: string;
  nodePath: string;
  runtimeEntry: string;
  /** Where agents on this machine record their blocks of uids (default /run/tide/uid-blocks). */
  uidClaimsDir?: string;
  /** False: pods run without the seccomp filter (to measure what it costs); the agent's start line says so. Default true. */
  seccomp?: boolean;
}

/**
 * Opens the bwrap sandbox, or throws SandboxUnavailableError saying why this machine cannot run it
 * (not root, no bwrap or setpriv, namespaces refused): a node asked for a sandbox never runs without.
 */
export function openPodSandbox(options: SandboxOptions): PodSandbox {
  if (process.getuid?.() !== 0) throw new SandboxUnavailableError('--sandbox bwrap needs the node agent to run as root (it gives each pod its own uid)');
  const bwrap = onPath('bwrap');
  if (bwrap === undefined) throw new SandboxUnavailableError('--sandbox bwrap needs bubblewrap (apt-get install bubblewrap): no bwrap on PATH');
  const setpriv = onPath('setpriv');
  if (setpriv === undefined) throw new SandboxUnavailableError('--sandbox bwrap needs setpriv (util-linux): none on PATH');
  const root = join(options.dataDir, 'sandbox');
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const nodePath = realpathSync(options.nodePath);
  const runtimeEntry = realpathSync(options.runtimeEntry);
  let nextUid = 0;
  const limiter = openPodLimiter(options.dataDir);
  const limited = new Map<string, LimitedProcess>();

  const base = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--new-session'];
  base.push('--ro-bind', '/usr', '/usr');
  for (const link of ['bin', 'lib', 'lib64', 'sbin']) if (existsSync(`/${link}`)) base.push('--symlink', `usr/${link}`, `/${link}`);
  // Directories bwrap creates on the way are 0700 root's: the pod's uid could not look inside.
  base.push('--perms', '0755', '--dir', '/etc');
  for (const file of ETC_FILES) if (existsSync(file)) base.push('--ro-bind', file, file);
  base.push('--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--tmpfs', SANDBOX_TMP_DIR);
  roBind(base, nodePath);
  // The runtime's bundle and the files it loads beside it (the call watchdog's worker).
  roBind(base, dirname(runtimeEntry));
  // Node reads the nearest package.json for "type": module.
  const runtimePackage = join(dirname(dirname(runtimeEntry)), 'package.json');
  if (existsSync(runtimePackage)) roBind(base, runtimePackage);
  base.push('--hostname', 'pod', '--chdir', SANDBOX_TMP_DIR, '--setenv', 'HOME', SANDBOX_TMP_DIR);

  // Fail now, saying why, rather than at every pod's start. A kernel that refuses the filter (none
  // built in) still runs pods sandboxed, and the start line says they are unfiltered.
  let syscalls = openPodSyscallFilter(options.dataDir, process.arch, options.seccomp ?? true);
  const failed = probeSandbox(bwrap, base, setpriv, nodePath, syscalls);
  if (failed !== undefined) {
    const unfiltered = unfilteredSyscalls(`bwrap could not load the seccomp filter: ${failed}`);
    const why = syscalls.on ? probeSandbox(bwrap, base, setpriv, nodePath, unfiltered) : failed;
    if (why !== undefined) throw new SandboxUnavailableError(`--sandbox bwrap: this machine cannot start a sandboxed process (${why})`);
    syscalls = unfiltered;
  }

  // Its processes' uids: a block no other agent on this machine uses, held until close.
  const uids = claimUidBlock(options.dataDir, options.uidClaimsDir);
  const dirOf = (token: string) => join(root, token);
  return {
    mode: 'bwrap',
    uids,
    close: () => uids.release(),
    command(token, file, args, limits) {
      const seccompFd = syscalls.open();
      const dir = dirOf(token);
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      const uid = uids.first + (nextUid++ % (uids.last - uids.first + 1));
      const cgroups = limiter.prepare(token, limits);
      limited.set(token, cgroups);
      // A shell joins the pod's cgroups before bwrap runs: nothing it forks starts outside them.
      const enter = cgroups.procsFiles.map((procs) => `echo $$ > ${shellQuote(procs)} && `).join('');
      return {
        file: '/bin/sh',
        args: [
          '-c',
          `${enter}exec "$@"`,
          'sandbox',
          bwrap,
          ...base,
          '--json-status-fd',
          String(SANDBOX_STATUS_FD),
          ...(seccompFd === undefined ? [] : ['--seccomp', String(SANDBOX_SECCOMP_FD)]),
          '--ro-bind',
          dir,
          SANDBOX_ARTIFACT_DIR,
          setpriv,
          `--reuid=${uid}`,
          `--regid=${uid}`,
          '--clear-groups',
          // A non-zero uid has no capabilities anyway; no set of them survives an exec either.
          '--inh-caps=-all',
          '--bounding-set=-all',
          '--no-new-privs',
          '--',
          file === options.nodePath ? nodePath : file,
          ...args,
        ],
        extraFds: seccompFd === undefined ? ['pipe'] : ['pipe', seccompFd],
        spawned: () => {
          if (seccompFd !== undefined) closeSync(seccompFd);
        },
      };
    },
    placeArtifact(token, artifactPath) {
      mkdirSync(dirOf(token), { recursive: true, mode: 0o755 });
      const target = join(dirOf(token), basename(artifactPath));
      copyFileSync(artifactPath, target);
      if (existsSync(`${artifactPath}.map`)) copyFileSync(`${artifactPath}.map`, `${target}.map`);
      return join(SANDBOX_ARTIFACT_DIR, basename(artifactPath));
    },
    limits: limiter.describe,
    syscalls: syscalls.describe,
    limitCpu: (token, cpu) => limited.get(token)?.limitCpu(cpu) ?? false,
    release(token) {
      rmSync(dirOf(token), { recursive: true, force: true });
      const cgroups = limited.get(token);
      limited.delete(token);
      const oomKilled = cgroups?.oomKilled() ?? false;
      cgroups?.remove();
      return { oomKilled };
    },
  };
}

/**
 * Starts `node -e` in the sandbox as nobody, under the filter where there is one (and checks the
 * kernel holds it to one: Seccomp 2 in its status); undefined when it ran, else why not.
 */
function probeSandbox(bwrap: string, base: readonly string[], setpriv: string, nodePath: string, syscalls: PodSyscallFilter): string | undefined {
  // What the machine allows does not change while this process runs: `tide up` chose its sandbox
  // (chooseSandbox) and then opened it, and each probe spawned node in bwrap (~200 ms of its start).
  const key = JSON.stringify([bwrap, base, setpriv, nodePath, syscalls.on]);
  if (!probed.has(key)) probed.set(key, probeOnce(bwrap, base, setpriv, nodePath, syscalls));
  return probed.get(key);
}

const probed = new Map<string, string | undefined>();

function probeOnce(bwrap: string, base: readonly string[], setpriv: string, nodePath: string, syscalls: PodSyscallFilter): string | undefined {
  const seccompFd = syscalls.open();
  const filter = seccompFd === undefined ? [] : ['--seccomp', String(SANDBOX_SECCOMP_FD)];
  const check = seccompFd === undefined ? '0' : `process.exitCode = /^Seccomp:\\s*2$/m.test(require('fs').readFileSync('/proc/self/status', 'utf8')) ? 0 : 3`;
  try {
    const probe = spawnSync(bwrap, [...base, ...filter, setpriv, '--reuid=65534', '--regid=65534', '--clear-groups', '--', nodePath, '-e', check], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', seccompFd ?? 'ignore'],
    });
    if (probe.status === 3) return 'the process ran without the filter';
    if (probe.status === 0) return undefined;
    return (probe.error?.message ?? probe.stderr.trim()) || `exit ${probe.status ?? probe.signal}`;
  } finally {
    if (seccompFd !== undefined) closeSync(seccompFd);
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Binds `path` read-only at the same place, its parents made 0755 (bwrap would make them 0700 root's). */
function roBind(args: string[], path: string): void {
  const parents: string[] = [];
  for (let dir = dirname(path); dir !== '/' && !dir.startsWith('/usr'); dir = dirname(dir)) parents.unshift(dir);
  for (const dir of parents) args.push('--perms', '0755', '--dir', dir);
  args.push('--ro-bind', path, path);
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/**
 * The sandbox a node runs its pods in for `setting`: 'bwrap' fails, saying why, where the machine
 * cannot sandbox; 'auto' then falls back to none and says why in `unavailable`.
 */
export function chooseSandbox(setting: SandboxSetting, options: SandboxOptions): { mode: SandboxMode; unavailable?: string } {
  if (setting === 'none') return { mode: 'none' };
  try {
    openPodSandbox(options).close();
    return { mode: 'bwrap' };
  } catch (error) {
    if (setting === 'auto' && error instanceof SandboxUnavailableError) return { mode: 'none', unavailable: error.message };
    throw error;
  }
}

/** What an unsandboxed node says at start: that it is not, why, and whose code it will run. */
export function unsandboxedNotice(why: string, insecureSingleTenant: boolean): string {
  const runs = insecureSingleTenant
    ? "it runs every namespace's code as its own user (--insecure-single-tenant): any function can read and signal the others and this node's data"
    : `it runs namespace ${UNSANDBOXED_TENANT}'s code only; pods of other namespaces stay Pending (--insecure-single-tenant runs every namespace's code unsandboxed)`;
  return `pods are NOT sandboxed (${why}): ${runs}`;
}
