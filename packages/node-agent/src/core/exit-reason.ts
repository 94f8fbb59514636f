/** What the agent saw of a pod process that ended. */
export interface PodExit {
  code: number | null;
  signal: string | null;
  /** The runtime's own account, sent over IPC before it exited ("import failed: ..."). */
  failedReason?: string;
  /** The kernel's OOM killer ended it (its memory cgroup's limit: sandboxed pods). */
  oomKilled?: boolean;
  /** V8 printed "JavaScript heap out of memory". */
  outOfMemory?: boolean;
  /** Killed by the agent for not becoming ready in time. */
  startTimeoutMs?: number;
  /** The process could not be spawned at all. */
  spawnError?: string;
  /** Why the agent ended a running pod itself ("liveness probe failed: HTTP 500"). */
  killReason?: string;
  /** Why the pod ended itself to be replaced, from its stderr ("call ran past its timeout of 1s"). */
  recycleReason?: string;
}

/** One line saying why a pod ended, most specific account first. */
export function describeExit(exit: PodExit): string {
  if (exit.spawnError !== undefined) return `spawn failed: ${exit.spawnError}`;
  if (exit.oomKilled) return 'OOMKilled';
  if (exit.killReason !== undefined) return exit.killReason;
  if (exit.recycleReason !== undefined) return exit.recycleReason;
  if (exit.failedReason !== undefined) return exit.failedReason;
  if (exit.outOfMemory) return 'OOM';
  if (exit.startTimeoutMs !== undefined) return `not ready within ${Number((exit.startTimeoutMs / 1000).toFixed(3))}s`;
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}
