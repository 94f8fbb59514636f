import type { ClusterState, Clock } from '@tide/core';
import type { ArtifactStore } from './adapters/artifact-store.js';

/** An upload survives this long unreferenced: the manifest naming it usually follows within seconds. */
export const DEFAULT_ARTIFACT_GRACE_MS = 60 * 60 * 1000;
export const DEFAULT_ARTIFACT_GC_INTERVAL_MS = 5 * 60 * 1000;

/** The digests any function, revision or pod of the cluster still names. */
export function referencedArtifacts(state: ClusterState): Set<string> {
  const referenced = new Set<string>();
  for (const fn of state.functions.values()) referenced.add(fn.spec.source.artifact);
  for (const revision of state.revisions.values()) referenced.add(revision.spec.source.artifact);
  // A pod of a revision already pruned may still be stopping, and a node may still restart it.
  for (const pod of state.pods.values()) referenced.add(pod.spec.source.artifact);
  return referenced;
}

/**
 * Which stored artifacts to delete: those nothing in `state` names, stored longer than `graceMs`
 * before `now` (so an upload whose manifest has not arrived yet survives).
 */
export function artifactsToCollect(state: ClusterState, artifacts: readonly { digest: string; storedAt: number }[], now: number, graceMs: number): string[] {
  const referenced = referencedArtifacts(state);
  return artifacts.filter((a) => !referenced.has(a.digest) && now - a.storedAt >= graceMs).map((a) => a.digest);
}

export interface ArtifactGcOptions {
  state: () => ClusterState;
  artifacts: Pick<ArtifactStore, 'list' | 'remove'>;
  clock: Clock;
  graceMs?: number;
  intervalMs?: number;
  onCollected?: (digest: string) => void;
  onError?: (error: Error) => void;
}

/**
 * Deletes this control plane's unreferenced artifacts every interval. Each control plane collects
 * its own copy by the same rule; it starts only once the store has folded the log (a state still
 * catching up would name too little).
 */
export function startArtifactGc(options: ArtifactGcOptions): { collect(): Promise<string[]>; stop(): Promise<void> } {
  const graceMs = options.graceMs ?? DEFAULT_ARTIFACT_GRACE_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_ARTIFACT_GC_INTERVAL_MS;
  let stopped = false;
  let running: Promise<string[]> = Promise.resolve([]);
  let timer: unknown;

  const pass = async (): Promise<string[]> => {
    const stored = await options.artifacts.list();
    const doomed = artifactsToCollect(options.state(), stored, options.clock.now(), graceMs);
    const collected: string[] = [];
    for (const digest of doomed) {
      if (stopped) break;
      // Asked again just before deleting: a function applied meanwhile keeps its artifact.
      if (
        artifactsToCollect(
          options.state(),
          stored.filter((a) => a.digest === digest),
          options.clock.now(),
          graceMs,
        ).length === 0
      )
        continue;
      // A re-upload since the listing restarted its grace: the store checks under its upload lock.
      if (!(await options.artifacts.remove(digest, { storedBefore: options.clock.now() - graceMs }))) continue;
      collected.push(digest);
      options.onCollected?.(digest);
    }
    return collected;
  };
  const collect = () =>
    (running = running.then(pass).catch((error: Error) => {
      options.onError?.(new Error(`artifact garbage collection failed: ${error.message}`, { cause: error }));
      return [];
    }));
  const schedule = () => {
    if (stopped) return;
    timer = options.clock.setTimeout(() => void collect().then(schedule), intervalMs);
  };
  schedule();
  return {
    collect,
    async stop() {
      stopped = true;
      if (timer !== undefined) options.clock.clearTimeout(timer);
      await running;
    },
  };
}
