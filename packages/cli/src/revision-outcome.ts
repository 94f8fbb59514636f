import type { Pod } from '@tide/core';

/**
 * Where a new revision's start stands, judged from its pods: one is Ready; one failed for a reason
 * that waiting will not change; or it may yet come up (`seen` says what its pods are doing).
 */
export type RevisionOutcome = { kind: 'ready'; pod: Pod } | { kind: 'failed'; pod: Pod; reason: string } | { kind: 'waiting'; seen: string };

/**
 * Reasons the runtime gives for a start that fails the same way every time: the module threw while
 * loading, or has no handler (both reported as "import failed: ..."), or the heap ran out before
 * the pod was ever ready (the limit is part of the revision, so a restart meets the same limit).
 */
const FINAL_REASONS = [/^import failed: /, /^OOM$/];

/**
 * Why a pod that never became Ready will not become Ready by waiting, or undefined while it still
 * may. Final: a known reason above at its first exit; any exit once it is in CrashLoopBackOff (it
 * exited again after a restart, so the cause is not a one-off). Not final: a first exit for another
 * reason (a killed process, a slow start on a busy node, a spawn error of the node), a failing
 * readiness probe, and a Pending pod that no node can take for now — a node may join or free room,
 * so the deploy says so and keeps waiting until its bound.
 */
export function finalFailureOf(pod: Pod): string | undefined {
  if (pod.status.phase !== 'Exited') return undefined;
  const reason = pod.status.reason ?? `exited with code ${pod.status.exitCode ?? 'unknown'}`;
  if (pod.status.waiting === 'CrashLoopBackOff')
    return `${reason} (CrashLoopBackOff after ${pod.status.restartCount} restart${pod.status.restartCount === 1 ? '' : 's'})`;
  return FINAL_REASONS.some((known) => known.test(reason)) ? reason : undefined;
}

/** The outcome of a revision's start from its pods (pods being deleted do not count). */
export function revisionOutcome(pods: readonly Pod[]): RevisionOutcome {
  const live = pods.filter((p) => p.status.phase !== 'Terminating');
  const ready = live.find((p) => p.status.phase === 'Ready');
  if (ready) return { kind: 'ready', pod: ready };
  for (const pod of live) {
    const reason = finalFailureOf(pod);
    if (reason !== undefined) return { kind: 'failed', pod, reason };
  }
  return { kind: 'waiting', seen: live.map(describePod).join(', ') };
}

function describePod(pod: Pod): string {
  const unschedulable = pod.status.phase === 'Pending' && pod.status.unschedulable?.length;
  if (unschedulable) return `${pod.metadata.name} Pending (no node can take it for now: ${pod.status.unschedulable!.join('; ')})`;
  return `${pod.metadata.name} ${pod.status.waiting ?? pod.status.phase}${pod.status.reason ? ` (${pod.status.reason})` : ''}`;
}

/**
 * What serves a function whose new revision failed: the gateway sends the latest revision's share
 * to the newest other revision with a Ready pod, so that revision serves; with none, nothing does.
 * `functionPods` are all the function's pods; `revisionCount` how many revisions it has had.
 */
export function failedRevisionMessage(
  fn: { namespace: string; name: string; revisionCount: number },
  failed: string,
  outcome: { pod: Pod; reason: string },
  functionPods: readonly Pod[],
): string {
  const serving = [...new Set(functionPods.filter((p) => p.spec.revision !== failed && p.status.phase === 'Ready').map((p) => p.spec.revision))].sort();
  const head = `revision ${failed} failed: pod ${outcome.pod.metadata.name}: ${outcome.reason}`;
  const what = `function ${fn.namespace}/${fn.name}`;
  if (serving.length > 0) return `${head}\nthe previous revision ${serving.at(-1)} still serves ${what}`;
  return `${head}\nnothing serves ${what}: ${fn.revisionCount > 1 ? 'no earlier revision has a ready pod' : 'it has no earlier revision'}`;
}
