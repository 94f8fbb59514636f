import { createHash } from 'node:crypto';
import type { EnvVarSource, Pod, TideFunction } from '@tide/core';
import { CliError, type ApiClient } from '../api-client.js';
import { bundleFunction, locateFunction } from '../bundle.js';
import { functionPath } from '../paths.js';
import { failedRevisionMessage, revisionOutcome } from '../revision-outcome.js';
import { wranglerBindings } from '../wrangler-bindings.js';
import { wranglerTriggers } from '../wrangler-triggers.js';
import { syncWranglerTriggers } from './deploy-triggers.js';
import { listAll } from '../list-all.js';

export interface DeployOptions {
  dir: string;
  name?: string;
  namespace: string;
  env: Record<string, string>;
  /** Variables each holding one key of a secret (spec.env's secretKeyRef), set like `env`. */
  envSecrets?: Record<string, EnvVarSource>;
  /** Secrets whose keys become env vars of the pods (spec.envFrom), added to those the function names already. */
  envFrom?: readonly string[];
  /** Spec settings given on the command line (scale, concurrency, timeout, memory); the rest is kept. */
  overrides?: SpecOverrides;
  /** How long to wait for a ready pod of the new revision; `false`: return once it is applied. */
  waitSeconds: number | false;
  log: (line: string) => void;
  /** The gateway's host-route domain (TIDE_DOMAIN), for the second URL: `<name>.<namespace>.<domain>`; default localhost. */
  domain?: string;
  /** A bundle already built (tide dev's watch mode builds it); absent, deploy bundles the directory. */
  bundle?: Uint8Array;
}

/** Bundles, uploads, applies and waits until a pod of the new revision answers. */
export async function deploy(api: ApiClient, options: DeployOptions): Promise<{ fn: TideFunction; url: string; hostUrl: string; ms: number }> {
  const started = Date.now();
  const source = locateFunction(options.dir);
  const name = options.name ?? source.defaultName;
  checkFunctionName(name, options.name === undefined ? options.dir : undefined);
  // Read (and checked) before anything is uploaded: a bad cron schedule changes nothing.
  const triggers = wranglerTriggers(options.dir, name);
  const bindings = wranglerBindings(options.dir);
  if (!options.bundle) options.log(`bundling ${source.entry}`);
  const bundle = options.bundle ?? (await bundleFunction(source));
  const digest = `sha256:${createHash('sha256').update(bundle).digest('hex')}`;
  options.log(`uploading ${(bundle.byteLength / 1024).toFixed(1)} KiB (${digest.slice(0, 19)}…)`);
  // Counted against the namespace's artifact quota (a server without quotas ignores the parameter).
  const uploaded = await api.ok<{ digest: string }>('POST', `/apis/tide.dev/v1/artifacts?namespace=${encodeURIComponent(options.namespace)}`, {
    data: bundle,
    contentType: 'application/javascript',
  });
  if (uploaded.digest !== digest) throw new CliError(`the server stored the artifact as ${uploaded.digest}, expected ${digest}`);

  const path = functionPath(options.namespace, name);
  const existing = await api.call<TideFunction>('GET', path);
  const spec = existing.status === 200 ? { ...existing.body.spec } : {};
  const manifest = {
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: existing.status === 200 ? { name, labels: existing.body.metadata.labels, annotations: existing.body.metadata.annotations } : { name },
    spec: applyOverrides(
      {
        ...spec,
        source: { artifact: digest },
        env: { ...(existing.status === 200 ? existing.body.spec.env : {}), ...options.env, ...options.envSecrets },
        ...envFromOf(existing.status === 200 ? existing.body.spec.envFrom : undefined, options.envFrom),
        // A wrangler config that declares bindings replaces them whole (none: the key goes).
        ...(bindings === undefined ? {} : { bindings: bindings.length ? bindings : undefined }),
      },
      options.overrides ?? {},
    ),
  };
  const fn = await api.ok<TideFunction>('PUT', path, { data: JSON.stringify(manifest), contentType: 'application/json' });
  const revision = fn.status.latestRevision;
  options.log(`applied ${options.namespace}/${name}: revision ${revision}`);
  await syncWranglerTriggers(api, options.namespace, name, triggers, options.log);
  if (options.waitSeconds !== false) await waitForReadyPod(api, options.namespace, revision, options.waitSeconds, options.log);
  const url = `${api.server}/fn/${options.namespace}/${name}`;
  const server = new URL(api.server);
  const hostUrl = `${server.protocol}//${name}.${options.namespace}.${options.domain ?? 'localhost'}${server.port ? `:${server.port}` : ''}/`;
  return { fn, url, hostUrl, ms: Date.now() - started };
}

/** The function's secrets and those given, each once, in order; no field when there are none. */
function envFromOf(kept: readonly { secretRef: string }[] | undefined, given: readonly string[] | undefined) {
  const names = [...new Set([...(kept ?? []).map((ref) => ref.secretRef), ...(given ?? [])])];
  return names.length ? { envFrom: names.map((secretRef) => ({ secretRef })) } : {};
}

/**
 * Why a name cannot be a function's (the API's rule for metadata.name, a DNS-1123 label, so it can
 * be a host name: <name>.<namespace>.<domain>), checked before the bundle is built and uploaded.
 */
export function functionNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it must not be empty';
  if (name.length > 63) return `it must be at most 63 characters (it has ${name.length})`;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) return 'it must be lowercase letters, digits and "-", starting and ending with a letter or digit';
  return undefined;
}

/** Refuses (exit 2) a name the API would refuse; `fromDir` when the name was made from a directory or package.json. */
export function checkFunctionName(name: string, fromDir?: string): void {
  const problem = functionNameProblem(name);
  if (problem)
    throw new CliError(
      `function name "${name}" is not a DNS-1123 label: ${problem}${fromDir === undefined ? '' : ` (it comes from ${fromDir}: set --name)`}`,
      2,
    );
}

export interface SpecOverrides {
  concurrency?: number;
  timeoutSeconds?: number;
  memoryMb?: number;
  scale?: { min?: number; max?: number; target?: number; metric?: string; scaleToZeroAfterSeconds?: number; stableWindowSeconds?: number };
}

function applyOverrides(spec: Record<string, unknown>, overrides: SpecOverrides): Record<string, unknown> {
  const { scale, memoryMb, ...top } = overrides;
  const resources = spec.resources as Record<string, unknown> | undefined;
  return {
    ...spec,
    ...top,
    ...(memoryMb === undefined ? {} : { resources: { ...resources, memoryMb } }),
    ...(scale && Object.keys(scale).length ? { scale: { ...(spec.scale as Record<string, unknown> | undefined), ...scale } } : {}),
  };
}

/**
 * Polls the revision's pods until one is Ready; reports phases as they change. Stops early when a
 * pod failed for a reason waiting will not change (see finalFailureOf), naming the reason and what
 * still serves the function.
 */
export async function waitForReadyPod(api: ApiClient, namespace: string, revision: string, waitSeconds: number, log: (line: string) => void): Promise<Pod> {
  const deadline = Date.now() + waitSeconds * 1000;
  let lastSeen = '';
  while (Date.now() < deadline) {
    const pods = await listAll<Pod>(api, `/apis/tide.dev/v1/namespaces/${namespace}/pods?labelSelector=tide.dev/revision=${revision}`);
    const outcome = revisionOutcome(pods.items);
    if (outcome.kind === 'ready') return outcome.pod;
    if (outcome.kind === 'failed') throw new CliError(await failureWithServing(api, namespace, revision, outcome));
    if (outcome.seen && outcome.seen !== lastSeen) log(`waiting: ${outcome.seen}`);
    lastSeen = outcome.seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new CliError(`no pod of revision ${revision} became ready within ${waitSeconds}s${lastSeen ? `: ${lastSeen}` : ''}`);
}

/** The failure, and whether an earlier revision still serves the function (so the caller knows if users are affected). */
async function failureWithServing(api: ApiClient, namespace: string, revision: string, outcome: { pod: Pod; reason: string }): Promise<string> {
  const name = outcome.pod.spec.function;
  const fn = await api.ok<TideFunction>('GET', functionPath(namespace, name));
  const pods = await listAll<Pod>(api, `/apis/tide.dev/v1/namespaces/${namespace}/pods?labelSelector=tide.dev/function=${encodeURIComponent(name)}`);
  return failedRevisionMessage({ namespace, name, revisionCount: fn.status.revisionCount }, revision, outcome, pods.items);
}
