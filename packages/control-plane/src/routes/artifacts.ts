import { Hono } from 'hono';
import { Readable } from 'node:stream';
import { artifactDigest } from '@tide/core';
import { ApiError } from '../errors.js';
import { ArtifactTooLargeError } from '../adapters/artifact-store.js';
import type { ControlPlaneDeps } from '../deps.js';

/** Content-addressed uploads of bundled functions: POST returns the sha256 digest to put in a manifest. */
export function artifactRoutes(deps: ControlPlaneDeps) {
  const app = new Hono();
  app.post('/', async (c) => {
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (declared > deps.limits.artifactBytes)
      throw new ApiError(413, 'RequestEntityTooLarge', `artifact of ${declared} bytes exceeds the limit of ${deps.limits.artifactBytes} bytes`);
    const body = c.req.raw.body && (await nonEmpty(c.req.raw.body));
    // Refused before storing: a stored artifact is also appended to the log for other control planes.
    if (!body) throw new ApiError(400, 'BadRequest', 'artifact is empty: the upload needs a body, the bundled function module');
    try {
      const { digest, size } = await deps.artifacts.put(body, deps.limits.artifactBytes);
      return c.json({ digest, size }, 201);
    } catch (error) {
      if (error instanceof ArtifactTooLargeError) throw new ApiError(413, 'RequestEntityTooLarge', error.message);
      throw error;
    }
  });
  app.get('/:digest', async (c) => {
    const digest = c.req.param('digest');
    if (!artifactDigest.safeParse(digest).success)
      throw new ApiError(400, 'BadRequest', `"${digest.slice(0, 80)}" is not an artifact digest (sha256:<64 hex>)`);
    if (!(await deps.artifacts.has(digest))) throw new ApiError(404, 'NotFound', `artifact ${digest} not found`);
    return new Response(Readable.toWeb(deps.artifacts.open(digest)) as ReadableStream, { headers: { 'content-type': 'text/javascript' } });
  });
  return app;
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
