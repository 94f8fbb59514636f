import { Hono, type Context } from 'hono';
import { artifactDigest, authorize, dnsLabel, type ClusterState, type Principal } from '@tide/core';
import { ApiError } from '../errors.js';
import { ArtifactCorruptError, ArtifactQuotaError, ArtifactTooLargeError } from '../adapters/artifact-store.js';
import type { ControlPlaneDeps } from '../deps.js';

const DEFAULT_NAMESPACE = 'default';

/**
 * Content-addressed uploads of bundled functions: POST returns the sha256 digest to put in a manifest.
 * Mounted twice: at /artifacts (namespace from `?namespace=`, else `default`) and under
 * /namespaces/{namespace}/artifacts. An upload counts against its namespace's maxArtifactBytes.
 */
export function artifactRoutes(deps: ControlPlaneDeps) {
  const app = new Hono();
  app.post('/', async (c) => {
    const namespace = namespaceOf(c, deps);
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (declared > deps.limits.artifactBytes)
      throw new ApiError(413, 'RequestEntityTooLarge', `artifact of ${declared} bytes exceeds the limit of ${deps.limits.artifactBytes} bytes`);
    const quota = deps.store.state().namespaces.get(namespace)?.spec.quota?.maxArtifactBytes;
    const body = c.req.raw.body && (await nonEmpty(c.req.raw.body));
    // Refused before storing: a stored artifact is also appended to the log for other control planes.
    if (!body) throw new ApiError(400, 'BadRequest', 'artifact is empty: the upload needs a body, the bundled function module');
    try {
      // The quota is checked once the digest is known: bytes the namespace already holds cost nothing new.
      const { digest, size } = await deps.artifacts.put(body, deps.limits.artifactBytes, { namespace, ...(quota === undefined ? {} : { quotaBytes: quota }) });
      return c.json({ digest, size }, 201);
    } catch (error) {
      if (error instanceof ArtifactQuotaError) throw new ApiError(403, 'Forbidden', error.message);
      if (error instanceof ArtifactTooLargeError) throw new ApiError(413, 'RequestEntityTooLarge', error.message);
      throw error;
    }
  });
  app.get('/:digest', async (c) => {
    const digest = c.req.param('digest');
    if (!artifactDigest.safeParse(digest).success)
      throw new ApiError(400, 'BadRequest', `"${digest.slice(0, 80)}" is not an artifact digest (sha256:<64 hex>)`);
    const namespace = c.req.param('namespace');
    const visible = namespace === undefined || (await belongsTo(deps, c.get('principal'), namespace, digest));
    if (!visible || !(await deps.artifacts.has(digest))) throw new ApiError(404, 'NotFound', `artifact ${digest} not found`);
    try {
      // Read whole and checked before the first byte goes out: a changed file is never served.
      const bytes = await deps.artifacts.read(digest);
      return new Response(new Uint8Array(bytes), { headers: { 'content-type': 'text/javascript' } });
    } catch (error) {
      if (error instanceof ArtifactCorruptError) {
        console.error(`control plane: ${error.message}`);
        throw new ApiError(500, 'ArtifactCorrupt', `artifact ${digest} is stored corrupt on this control plane (it does not match its digest): not served`);
      }
      throw error;
    }
  });
  return app;
}

/**
 * Whether a namespace's path may serve an artifact to the principal: to one who reads artifacts
 * cluster-wide (a node, a cluster admin) any; to a namespace's token only one uploaded for that
 * namespace or run by its functions, so knowing another tenant's digest gets nothing.
 */
async function belongsTo(deps: ControlPlaneDeps, principal: Principal, namespace: string, digest: string): Promise<boolean> {
  if (authorize(principal, { verb: 'get', resource: 'artifacts' }).allowed) return true;
  if (usedIn(deps.store.state(), namespace, digest)) return true;
  const stored = (await deps.artifacts.list()).find((artifact) => artifact.digest === digest);
  return stored?.namespaces.includes(namespace) ?? false;
}

function usedIn(state: ClusterState, namespace: string, digest: string): boolean {
  for (const fn of state.functions.values()) if (fn.metadata.namespace === namespace && fn.spec.source.artifact === digest) return true;
  for (const revision of state.revisions.values()) if (revision.metadata.namespace === namespace && revision.spec.source.artifact === digest) return true;
  return false;
}

/** The namespace an upload is for: the route's, else `?namespace=`, else `default`; it must exist. */
function namespaceOf(c: Context, deps: ControlPlaneDeps): string {
  const namespace = c.req.param('namespace') ?? c.req.query('namespace') ?? DEFAULT_NAMESPACE;
  if (!dnsLabel.safeParse(namespace).success) throw new ApiError(400, 'BadRequest', `"${namespace.slice(0, 80)}" is not a namespace name`);
  // `default` exists unless the log just lost it (it is created again): keep the old route working.
  if (namespace !== DEFAULT_NAMESPACE && !deps.store.state().namespaces.has(namespace)) throw new ApiError(404, 'NotFound', `namespace ${namespace} not found`);
  return namespace;
}

/** The body's bytes as a stream, or undefined if it holds none (read up to its first byte). */
async function nonEmpty(body: ReadableStream<Uint8Array>): Promise<AsyncIterable<Uint8Array> | undefined> {
  const reader = body.getReader();
  let first = await reader.read();
  while (!first.done && first.value.byteLength === 0) first = await reader.read();
  if (first.done) return undefined;
  const head = first.value;
  return (async function* () {
    try {
      yield head;
      for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
    } finally {
      // A consumer that stops early (the size limit) leaves the rest unread: let it go.
      await reader.cancel().catch(() => undefined);
    }
  })();
}
