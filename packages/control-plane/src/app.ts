import { Hono } from 'hono';
import { ApiError, RateLimitedError } from './errors.js';
import { apiBodyLimit, namespaceWriteLimit } from './api-limits.js';
import { resourceRoutes } from './routes/resources.js';
import { artifactRoutes } from './routes/artifacts.js';
import { watchResponse } from './routes/watch.js';
import { logRoutes } from './routes/log.js';
import { nodeJoinRoutes } from './routes/node-join.js';
import { topicRoutes } from './routes/topics.js';
import { activationRoutes } from './routes/activations.js';
import { openApiDocument } from './openapi.js';
import { tokenRoutes } from './routes/tokens.js';
import { secretRoutes } from './routes/secrets.js';
import { topRoutes } from './routes/top.js';
import { explainRoutes } from './routes/explain.js';
import { authentication } from './auth/middleware.js';
import type { AuthenticationOptions } from './auth/gatekeeper.js';
import { API_PREFIX } from './auth/route-access.js';
import { apiSpans } from './api-spans.js';
import type { ControlPlaneDeps } from './deps.js';

export { API_PREFIX };
/** Log appends (node agents' log batches, load reports) by default: larger than a manifest, still bounded. */
export const DEFAULT_LOG_BODY_BYTES = 8 * 1024 * 1024;

export interface ControlPlaneAppOptions {
  ready?: () => boolean;
  logTopics?: (topic: string) => boolean;
  nowMs?: () => number;
  /**
   * Bearer tokens on every route but /healthz, /readyz and /openapi.json (startControlPlane always
   * gives it). Absent, every request acts as the control plane itself: for in-process route tests only.
   */
  authentication?: AuthenticationOptions;
}

/** The control plane's HTTP API: Kubernetes-style resources whose every change is an event in the log. */
export function createControlPlaneApp(deps: ControlPlaneDeps, options: ControlPlaneAppOptions = {}) {
  const app = new Hono();
  const openapi = openApiDocument();
  const manifestLimit = apiBodyLimit(deps.limits.manifestBytes, 'a manifest, or records', 'manifestBytes');

  app.get('/healthz', (c) => c.text('ok'));
  app.get('/readyz', (c) => ((options.ready?.() ?? true) ? c.text('ok') : c.text('not ready', 503)));
  app.get('/openapi.json', (c) => c.json(openapi));

  app.use(
    `${API_PREFIX}/*`,
    apiSpans((path) => path.startsWith(`${API_PREFIX}/log/`) || path === `${API_PREFIX}/events`),
  );
  // Who asks comes first: nothing else (rate limits, bodies) is spent on a caller who may not ask.
  app.use(
    '*',
    authentication(() => deps.store.state(), options.authentication),
  );
  // Every API body is bounded: artifacts by their own limit (artifacts.ts), log appends by the log's, the rest by the manifest's.
  app.use(`${API_PREFIX}/*`, namespaceWriteLimit(deps, API_PREFIX, options.nowMs ?? (() => performance.now())));
  app.use(`${API_PREFIX}/log/*`, apiBodyLimit(deps.limits.logBytes ?? DEFAULT_LOG_BODY_BYTES, 'log records', 'logBytes'));
  app.use(`${API_PREFIX}/*`, async (c, next) => {
    const path = c.req.path.slice(API_PREFIX.length);
    // An artifact upload (also under its namespace) has its own, larger limit (artifactRoutes).
    if (path.startsWith('/artifacts') || path.startsWith('/log/') || /^\/namespaces\/[^/]+\/artifacts\/?$/.test(path)) return next();
    return manifestLimit(c, next);
  });
  app.route(`${API_PREFIX}/artifacts`, artifactRoutes(deps));
  app.route(`${API_PREFIX}/namespaces/:namespace/artifacts`, artifactRoutes(deps));
  app.get(`${API_PREFIX}/events`, (c) => watchResponse(c, deps, []));
  app.route(`${API_PREFIX}/log`, logRoutes(deps, options.logTopics));
  app.route(`${API_PREFIX}/nodes`, nodeJoinRoutes(deps));
  app.route(API_PREFIX, topicRoutes(deps));
  app.route(API_PREFIX, activationRoutes(deps));
  app.route(API_PREFIX, secretRoutes(deps));
  app.route(API_PREFIX, topRoutes(deps));
  app.route(API_PREFIX, explainRoutes(deps));
  app.route(API_PREFIX, resourceRoutes(deps));
  app.route(API_PREFIX, tokenRoutes(deps));

  app.notFound((c) => {
    const error = new ApiError(404, 'NotFound', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`);
    return c.json(error.toStatus(), 404);
  });
  app.onError((error, c) => {
    if (error instanceof RateLimitedError) c.header('Retry-After', String(error.retryAfterSeconds));
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
