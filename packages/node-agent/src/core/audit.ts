/**
 * The drift audit's decision: what the agent believes it runs, against what the data directory and
 * /proc say runs. The invariants it restores:
 * - every live process the agent follows has its directory and a pid file naming it (so an agent
 *   started after this one crashed can find and stop it);
 * - no runtime process of this agent runs that the agent does not follow (a stray);
 * - no directory is left that nobody owns and no live process is recorded in.
 */

/** `pods/<pod>` or `pool/<token>` under the data directory. */
export interface DirRef {
  kind: 'pods' | 'pool';
  name: string;
}

/** What a pid file holds. */
export interface RecordedPid {
  pid: number;
  startToken: string;
}

/** A process the agent started and follows (a pod in any phase, a warm-pool process), and where its pid file belongs. */
export interface TrackedRuntime extends RecordedPid {
  dir: DirRef;
}

/** A directory found on disk, with its pid file when there is a readable one. */
export interface DirView extends DirRef {
  pidFile?: RecordedPid;
}

/** A stray sent SIGTERM at `since` (epoch ms). */
export interface StraySignal {
  pid: number;
  since: number;
}

export interface AuditView {
  tracked: readonly TrackedRuntime[];
  dirs: readonly DirView[];
  /** Pods the agent knows in any phase: their directories are theirs even with no process (waiting for back-off). */
  knownPods: readonly string[];
  /**
   * Live runtime processes of this agent: tracked ones alive now, those a pid file under the data
   * directory names whose argv carries the file's token, those running the runtime entry from inside
   * the data directory. The shell checks /proc; the decision trusts the list.
   */
  alive: readonly number[];
  /** Strays already sent SIGTERM by earlier audits. */
  terminating: readonly StraySignal[];
}

export type DriftRepair =
  | { type: 'signal-stray'; pid: number; signal: 'SIGTERM' | 'SIGKILL' }
  | { type: 'restore-dir'; dir: DirRef; pid: number; startToken: string }
  | { type: 'remove-dir'; dir: DirRef };

export interface NodeAudit {
  repairs: DriftRepair[];
  /** Carry into the next audit: strays signalled and still alive. */
  terminating: StraySignal[];
}

const sameDir = (a: DirRef, b: DirRef) => a.kind === b.kind && a.name === b.name;

/**
 * One audit at `now`. A stray gets SIGTERM first (a runtime drains and exits 0), then SIGKILL from
 * the first audit at least graceMs later: graceMs 2 s, audits every 1 s → TERM at 0 s, KILL at 2 s.
 */
export function auditNode(view: AuditView, now: number, graceMs: number): NodeAudit {
  const alive = new Set(view.alive);
  const trackedPids = new Set(view.tracked.map((t) => t.pid));
  const repairs: DriftRepair[] = [];
  const terminating: StraySignal[] = [];

  for (const pid of alive) {
    if (trackedPids.has(pid)) continue;
    const since = view.terminating.find((s) => s.pid === pid)?.since;
    if (since === undefined) repairs.push({ type: 'signal-stray', pid, signal: 'SIGTERM' });
    else if (now - since >= graceMs) repairs.push({ type: 'signal-stray', pid, signal: 'SIGKILL' });
    terminating.push({ pid, since: since ?? now });
  }

  for (const t of view.tracked) {
    if (!alive.has(t.pid)) continue; // exiting: its exit is handled as an exit, not as drift
    const found = view.dirs.find((d) => sameDir(d, t.dir))?.pidFile;
    if (found?.pid !== t.pid || found.startToken !== t.startToken) repairs.push({ type: 'restore-dir', dir: t.dir, pid: t.pid, startToken: t.startToken });
  }

  const known = new Set(view.knownPods);
  for (const dir of view.dirs) {
    const owned = (dir.kind === 'pods' && known.has(dir.name)) || view.tracked.some((t) => sameDir(t.dir, dir));
    if (owned || (dir.pidFile && alive.has(dir.pidFile.pid))) continue; // a live stray's dir goes once it is dead
    repairs.push({ type: 'remove-dir', dir: { kind: dir.kind, name: dir.name } });
  }
  return { repairs, terminating };
}
