import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from './clock.js';
import { auditNode, type DriftRepair, type StraySignal, type TrackedRuntime } from './core/audit.js';
import { isAlive } from './adapters/pid-file.js';
import { watchDirs } from './adapters/dir-watch.js';
import { dirPath, findRuntimesIn, parentPid, readDirViews, recordedAlive } from './adapters/node-scan.js';

/** SIGTERM → SIGKILL for a stray: as long as a new agent gives the strays an old one left (clearStrayPods). */
export const STRAY_GRACE_MS = 2_000;

/**
 * After a change under pods/ or pool/, the audit runs this much later: a burst of changes (a stray
 * made its directory, then its pid file; the agent started 20 pods) is one audit, ≤ 20 a second.
 */
const WATCH_SETTLE_MS = 50;

export interface DriftAuditOptions {
  /** Absolute, symlinks resolved (it is compared with /proc/<pid>/cwd). */
  dataDir: string;
  runtimeEntry: string;
  intervalMs: number;
  clock: Clock;
  /** What the agent follows now; read in the audit's tick. */
  tracked(): TrackedRuntime[];
  /** Pods the agent knows in any phase. */
  knownPods(): string[];
  /** Recreates a live process's directory, pid file and log. */
  restoreDir(repair: Extract<DriftRepair, { type: 'restore-dir' }>): void;
  /** Every repair carried out, or the error it failed with (tried again next audit). */
  onRepair?(repair: DriftRepair, error?: Error): void;
  /** An audit that could not run at all (a bug): the next one runs anyway. */
  onError?(error: Error): void;
}

export interface DriftAudit {
  /** One audit now (the timer runs them every intervalMs). */
  run(): void;
  stop(): void;
}

/**
 * The level-triggered backstop behind the agent's event handling: every intervalMs, and soon after
 * a directory appears or goes under pods/ or pool/, it compares what the agent follows with the data
 * directory and /proc, and repairs the difference (see core/audit.ts). Exits of the agent's own
 * children are events and handled at once elsewhere.
 */
export function startDriftAudit(options: DriftAuditOptions): DriftAudit {
  const { clock, dataDir } = options;
  let terminating: StraySignal[] = [];
  let timer: unknown;
  let soonTimer: unknown;
  let stopped = false;
  const watch = watchDirs([join(dataDir, 'pods'), join(dataDir, 'pool')], () => {
    if (stopped || soonTimer !== undefined) return;
    soonTimer = clock.setTimeout(() => {
      soonTimer = undefined;
      guarded();
    }, WATCH_SETTLE_MS);
  });

  function run(): void {
    watch.rearm(); // the directories may have been deleted and recreated since
    const tracked = options.tracked();
    const dirs = readDirViews(dataDir);
    const trackedPids = new Set(tracked.map((t) => t.pid));
    // A pod's child between fork and exec still shows the runtime's command line and working
    // directory: it is the pod's (and dies with it), not a stray.
    const runtimes = findRuntimesIn(dataDir, options.runtimeEntry).filter((pid) => !trackedPids.has(parentPid(pid) ?? -1));
    const alive = new Set([...tracked.map((t) => t.pid).filter(isAlive), ...recordedAlive(dirs), ...runtimes]);
    const audit = auditNode({ tracked, dirs, knownPods: options.knownPods(), alive: [...alive], terminating }, clock.now(), STRAY_GRACE_MS);
    terminating = audit.terminating;
    for (const repair of audit.repairs) {
      try {
        carryOut(repair);
        options.onRepair?.(repair);
      } catch (error) {
        options.onRepair?.(repair, error as Error);
      }
    }
  }

  function carryOut(repair: DriftRepair): void {
    if (repair.type === 'signal-stray') return killIfAlive(repair.pid, repair.signal);
    if (repair.type === 'restore-dir') return options.restoreDir(repair);
    rmSync(dirPath(dataDir, repair.dir), { recursive: true, force: true });
  }

  function guarded(): void {
    if (stopped) return;
    try {
      run();
    } catch (error) {
      options.onError?.(error as Error);
    }
  }

  const tick = () => {
    guarded();
    if (!stopped) timer = clock.setTimeout(tick, options.intervalMs);
  };
  watch.rearm();
  timer = clock.setTimeout(tick, options.intervalMs);

  return {
    run,
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
      if (soonTimer !== undefined) clock.clearTimeout(soonTimer);
      watch.close();
    },
  };
}

/** One line for the agent's log: "restored pods/hello-1 (pid 4242)". */
export function describeRepair(repair: DriftRepair): string {
  if (repair.type === 'signal-stray') return `${repair.signal} to stray runtime process ${repair.pid}`;
  if (repair.type === 'restore-dir') return `restored ${repair.dir.kind}/${repair.dir.name} (pid ${repair.pid})`;
  return `removed ${repair.dir.kind}/${repair.dir.name}`;
}

function killIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // gone meanwhile: done
  }
}
