import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './errors.js';
import { resourceRoutes } from './routes/resources.js';
import { artifactRoutes } from './routes/artifacts.js';
import { watchResponse } from './routes/watch.js';
import { logRoutes } from './routes/log.js';
import { topicRoutes } from './routes/topics.js';
import { activationRoutes } from './routes/activations.js';
import { openApiDocument } from './openapi.js';
import type { ControlPlaneDeps } from './deps.js';

export const API_PREFIX = '/apis/tide.dev/v1';

/** The control plane's HTTP API: Kubernetes-style resources whose every change is an event in the log. */
export function createControlPlaneApp(deps: ControlPlaneDeps, options: { ready?: () => boolean; logTopics?: (topic: string) => boolean } = {}) {
  const app = new Hono();
  const openapi = openApiDocument();

  app.get('/healthz', (c) => c.text('ok'));
  app.get('/readyz', (c) => ((options.ready?.() ?? true) ? c.text('ok') : c.text('not ready', 503)));
  app.get('/openapi.json', (c) => c.json(openapi));

  app.use(`${API_PREFIX}/namespaces/*`, async (c, next) => {
    if (c.req.method !== 'PUT' && c.req.method !== 'POST' && c.req.method !== 'PATCH') return next();
    // An artifact upload has its own, larger limit (artifactRoutes).
    if (/^\/namespaces\/[^/]+\/artifacts\/?$/.test(c.req.path.slice(API_PREFIX.length))) return next();
    const limit = bodyLimit({
      maxSize: deps.limits.manifestBytes,
      onError: () => {
        throw new ApiError(413, 'RequestEntityTooLarge', `request body (a manifest, or records) exceeds the limit of ${deps.limits.manifestBytes} bytes`);
      },
    });
    return limit(c, next);
  });
  app.route(`${API_PREFIX}/artifacts`, artifactRoutes(deps));
  app.route(`${API_PREFIX}/namespaces/:namespace/artifacts`, artifactRoutes(deps));
  app.get(`${API_PREFIX}/events`, (c) => watchResponse(c, deps, []));
  app.route(`${API_PREFIX}/log`, logRoutes(deps, options.logTopics));
  app.route(API_PREFIX, topicRoutes(deps));
  app.route(API_PREFIX, activationRoutes(deps));
  app.route(API_PREFIX, resourceRoutes(deps));

  app.notFound((c) => {
    const error = new ApiError(404, 'NotFound', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`);
    return c.json(error.toStatus(), 404);
  });
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toStatus(), error.status);
    if (isLogUnavailable(error)) {
      // The log could not take or judge the write: nothing was half-applied; the caller may retry.
      c.header('Retry-After', '5');
      return c.json(new ApiError(503, 'ServiceUnavailable', `the event log is unavailable: ${error.message}`).toStatus(), 503);
    }
    console.error(`control plane: unexpected error on ${c.req.method} ${c.req.path}:`, error);
    const wrapped = new ApiError(500, 'InternalError', `internal error: ${error.message}`);
    return c.json(wrapped.toStatus(), 500);
  });
  return app;
}

/** A Kafka append that failed after its retries, or a write lost with the log's history. */
function isLogUnavailable(error: Error): boolean {
  return error.name === 'KafkaLogError' || error.name === 'StateStreamResetError';
}
