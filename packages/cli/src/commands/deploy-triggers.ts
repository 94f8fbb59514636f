import type { Trigger } from '@tide/core';
import { CliError, messageOf, type ApiClient } from '../api-client.js';
import { collectionPath } from '../paths.js';
import { FUNCTION_LABEL, MANAGED_BY_LABEL, type WranglerTriggers } from '../wrangler-triggers.js';
import { listAll } from '../list-all.js';

/**
 * Makes the function's wrangler-made Triggers those its config names now: applies each (skipping
 * one whose spec and labels are already so, so a deploy does not rewrite what did not change), and
 * deletes those it made before that the config no longer names. Triggers applied by hand are left alone.
 */
export async function syncWranglerTriggers(
  api: ApiClient,
  namespace: string,
  fn: string,
  wanted: WranglerTriggers,
  log: (line: string) => void,
): Promise<void> {
  const selector = encodeURIComponent(`${MANAGED_BY_LABEL}=wrangler,${FUNCTION_LABEL}=${fn}`);
  const before = await listAll<Trigger>(api, `${collectionPath('triggers', namespace)}?labelSelector=${selector}`);
  const existing = new Map(before.items.map((t) => [t.metadata.name, t]));
  for (const manifest of wanted.manifests) {
    const name = manifest.metadata.name;
    const current = existing.get(name);
    if (current && canonical(current.spec) === canonical(manifest.spec) && canonical(current.metadata.labels) === canonical(manifest.metadata.labels)) continue;
    const res = await api.call<{ message?: string }>('PUT', `${collectionPath('triggers', namespace)}/${encodeURIComponent(name)}`, {
      data: JSON.stringify(manifest),
      contentType: 'application/json',
    });
    if (res.status >= 400) throw new CliError(`applying trigger ${name} from ${wanted.file} failed (${res.status}): ${messageOf(res.body)}`);
    log(
      `trigger/${name} ${current ? 'configured' : 'created'} (${manifest.spec.cron ? `cron ${manifest.spec.cron.schedule}` : `queue ${manifest.spec.kafka!.topics[0]}`})`,
    );
  }
  const named = new Set(wanted.manifests.map((m) => m.metadata.name));
  for (const name of existing.keys()) {
    if (named.has(name)) continue;
    const res = await api.call('DELETE', `${collectionPath('triggers', namespace)}/${encodeURIComponent(name)}`);
    if (res.status >= 400 && res.status !== 404) throw new CliError(`deleting trigger ${name} failed (${res.status}): ${messageOf(res.body)}`);
    log(`trigger/${name} deleted (${wanted.file ?? 'the wrangler config'} no longer names it)`);
  }
}

/** JSON with keys sorted, so two equal objects compare equal whatever order their keys came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
