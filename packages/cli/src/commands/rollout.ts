import type { Pod, TideFunction } from '@tide/core';
import { CliError, type ApiClient } from '../api-client.js';
import { functionPath } from '../paths.js';
import { failedRevisionMessage, revisionOutcome } from '../revision-outcome.js';
import { listAll } from '../list-all.js';

export async function rolloutUndo(api: ApiClient, namespace: string, name: string, revision?: string): Promise<string> {
  const fn = await api.ok<TideFunction>('POST', `${functionPath(namespace, name)}/rollback`, {
    data: JSON.stringify(revision ? { revision } : {}),
    contentType: 'application/json',
  });
  return `function/${name} rolled back to ${fn.status.latestRevision}`;
}

/** What a rollout still waits for, or undefined once every revision with traffic has its Ready pods and nothing else runs. */
export function rolloutProgress(fn: TideFunction, pods: readonly Pod[]): string | undefined {
  const live = pods.filter((p) => p.status.phase !== 'Terminating');
  const latest = fn.status.latestRevision;
  const routed = new Set([latest, ...fn.status.traffic.filter((t) => t.percent > 0 || t.tag).map((t) => t.revision)]);
  const ready = live.filter((p) => p.spec.revision === latest && p.status.phase === 'Ready').length;
  const wanted =
    fn.status.desiredReplicas === 0
      ? 0
      : Math.max(1, Math.ceil((fn.status.desiredReplicas * (fn.status.traffic.find((t) => t.revision === latest)?.percent ?? 0)) / 100));
  const old = live.filter((p) => !routed.has(p.spec.revision)).length;
  const failing = live.find((p) => p.spec.revision === latest && p.status.phase === 'Exited');
  if (failing)
    return `${latest}: pod ${failing.metadata.name} is failing (${failing.status.reason ?? 'exited'}); ${ready} of ${wanted} ready, ${old} old pods still serving`;
  if (ready >= wanted && old === 0) return undefined;
  return `${latest}: ${ready} of ${wanted} new pods ready, ${old} old pods left`;
}

/** Why the latest revision will not come up by waiting, and what serves instead; undefined while it may. */
export function rolloutFailure(namespace: string, fn: TideFunction, pods: readonly Pod[]): string | undefined {
  const latest = fn.status.latestRevision;
  const outcome = revisionOutcome(pods.filter((p) => p.spec.revision === latest));
  if (outcome.kind !== 'failed') return undefined;
  return failedRevisionMessage({ namespace, name: fn.metadata.name, revisionCount: fn.status.revisionCount }, latest, outcome, pods);
}

/** `tide rollout status`: follows until the rollout is complete, printing each change. */
export async function rolloutStatus(api: ApiClient, namespace: string, name: string, waitSeconds: number, print: (line: string) => void): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  let last = '';
  for (;;) {
    const fn = await api.ok<TideFunction>('GET', functionPath(namespace, name));
    const pods = (await listAll<Pod>(api, `/apis/tide.dev/v1/namespaces/${namespace}/pods?labelSelector=tide.dev/function=${encodeURIComponent(name)}`)).items;
    const failure = rolloutFailure(namespace, fn, pods);
    if (failure !== undefined) throw new CliError(failure);
    const progress = rolloutProgress(fn, pods);
    if (progress === undefined)
      return print(
        `function/${name} successfully rolled out: ${fn.status.latestRevision} (${fn.status.traffic.map((t) => `${t.revision} ${t.percent}%`).join(', ')})`,
      );
    if (progress !== last) print(`Waiting for rollout: ${progress}`);
    last = progress;
    if (Date.now() > deadline) throw new CliError(`rollout of function/${name} not complete after ${waitSeconds}s: ${progress}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
