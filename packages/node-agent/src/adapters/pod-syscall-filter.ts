import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSeccompFilter, seccompArchOf, seccompFilter } from '../core/seccomp-filter.js';

/** The fd a sandboxed process's bwrap reads its seccomp program from (`--seccomp 5`): after its status fd, 4. */
export const SANDBOX_SECCOMP_FD = 5;

/** The seccomp filter of a node's sandboxed pods (core/seccomp-filter.ts), as bwrap takes it. */
export interface PodSyscallFilter {
  /** Whether pods run under the filter. */
  readonly on: boolean;
  /** For the agent's start line: what the filter refuses, or that pods run without one and why. */
  readonly describe: string;
  /**
   * A fresh read-only fd on the compiled program, for one bwrap to read from its start (each needs
   * its own: they would share one fd's offset); the caller closes it once the child is spawned.
   * Undefined: pods run unfiltered.
   */
  open(): number | undefined;
}

/**
 * Writes the filter for this machine's architecture to `<dataDir>/seccomp-filter.bpf` (the agent's
 * data directory, which no pod sees). Where the filter has no numbers for the architecture, or the
 * node is told not to (`enabled` false, for measuring what it costs), pods run without it and the
 * start line says so.
 */
export function openPodSyscallFilter(dataDir: string, nodeArch: string, enabled: boolean): PodSyscallFilter {
  if (!enabled) return unfilteredSyscalls('the node was told to run pods without the seccomp filter');
  const arch = seccompArchOf(nodeArch);
  if (arch === undefined) return unfilteredSyscalls(`no seccomp table for this machine's architecture, ${nodeArch}: only x64 and arm64`);
  const filter = seccompFilter(arch);
  const path = join(dataDir, 'seccomp-filter.bpf');
  writeFileSync(path, filter.program, { mode: 0o644 });
  return { on: true, describe: describeSeccompFilter(filter), open: () => openSync(path, 'r') };
}

/** Pods' system calls go unjudged: every call the kernel offers an unprivileged user is open to them. */
export function unfilteredSyscalls(why: string): PodSyscallFilter {
  return {
    on: false,
    describe: `system calls are NOT filtered (${why}): every call the kernel offers an unprivileged user is open to pods`,
    open: () => undefined,
  };
}
