import { Hono, type Context } from 'hono';
import { actorOf, dnsLabel, keyOf, type ClusterState, type Principal, type ResourceMap } from '@tide/core';
import { ApiError } from '../errors.js';
import { checkManifestTarget, parseManifestBody } from '../manifest-body.js';
import {
  applyFunction,
  applyNamespace,
  applyTrigger,
  cordonNode,
  deleteFunction,
  deleteNamespace,
  deleteNode,
  deleteTrigger,
  drainNode,
  undoRollout,
  type CommandContext,
} from '../commands.js';
import { watchResponse } from './watch.js';
import { matchesSelector, parseLabelSelector } from './label-selector.js';
import { withoutServerFields } from './client-manifest.js';
import { functionMetrics } from './metrics.js';
import { functionLogs } from './pod-logs.js';
import type { ControlPlaneDeps } from '../deps.js';
import { pageOf, parsePageRequest } from '../core/list-page.js';
import { listsIn, shownObject } from '../auth/visibility.js';

type Collection = 'functions' | 'revisions' | 'pods' | 'triggers';
const LIST_KINDS: Record<Collection | 'namespaces' | 'nodes', string> = {
  namespaces: 'NamespaceList',
  functions: 'FunctionList',
  revisions: 'RevisionList',
  pods: 'PodList',
  nodes: 'NodeList',
  triggers: 'TriggerList',
};

export function checkName(what: string, value: string): string {
  const result = dnsLabel.safeParse(value);
  if (!result.success)
    throw new ApiError(400, 'BadRequest', `${what} "${value.slice(0, 80)}" is invalid: ${result.error.issues[0]!.message}`, [
      { field: what, message: result.error.issues[0]!.message },
    ]);
  return value;
}

const REVISION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The revision a rollback body names, if any: `{}` or `{"revision": "hello-00001"}`. */
function rollbackTarget(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new ApiError(400, 'BadRequest', 'rollback body must be an object: {} or {"revision": "<name>"}');
  const { revision } = body as { revision?: unknown };
  if (revision === undefined) return undefined;
  if (typeof revision !== 'string' || revision.length > 253 || !REVISION_NAME.test(revision)) {
    throw new ApiError(422, 'Invalid', 'revision must be a revision name such as hello-00001', [{ field: 'revision', message: 'must be a revision name' }]);
  }
  return revision;
}

interface ListQuery {
  labelSelector?: string | undefined;
  limit?: string | undefined;
  continue?: string | undefined;
}

type Listed = { metadata: { name: string; namespace?: string; labels: Record<string, string> } };

/**
 * A page of a collection (Kubernetes' `?limit=&continue=`), in namespace/name order, bounded even
 * without a limit: of the items the principal may list (a cluster-wide list of a namespaced token
 * holds its namespaces' items), redacted as it may see them.
 */
function list(kind: keyof typeof LIST_KINDS, principal: Principal, state: ClusterState, namespace: string | undefined, query: ListQuery) {
  const { labelSelector } = query;
  const selector = parseLabelSelector(labelSelector);
  if (!selector.ok) {
    throw new ApiError(400, 'BadRequest', `labelSelector "${labelSelector!.slice(0, 200)}": term "${selector.term.slice(0, 80)}" ${selector.message}`, [
      { field: 'labelSelector', message: selector.message },
    ]);
  }
  const paging = parsePageRequest(query.limit, query.continue, kind);
  if (!paging.ok) throw new ApiError(400, 'BadRequest', paging.message, [{ field: paging.field, message: paging.message }]);
  const lists = listsIn(principal, kind);
  // A Namespace is listed by who may read it; every other item by who may list its kind in its namespace.
  const listed = (item: Listed) => (kind === 'namespaces' ? lists(item.metadata.name) : lists(item.metadata.namespace));
  const items = [...(state[kind] as ResourceMap<Listed>).values()].filter(
    (item) => (!namespace || item.metadata.namespace === namespace) && listed(item) && matchesSelector(item.metadata.labels, selector.requirements),
  );
  const page = pageOf(items, (item) => `${item.metadata.namespace ?? ''}/${item.metadata.name}`, paging.request, kind);
  const metadata = {
    resourceVersion: String(state.offset),
    ...(page.continue === undefined ? {} : { continue: page.continue, remainingItemCount: page.remainingItemCount }),
  };
  const shown = page.items.map((item) => shownObject(principal, item.metadata.namespace, item));
  return { apiVersion: 'tide.dev/v1', kind: LIST_KINDS[kind], metadata, items: shown };
}

const listQuery = (c: Context): ListQuery => ({ labelSelector: c.req.query('labelSelector'), limit: c.req.query('limit'), continue: c.req.query('continue') });

export function resourceRoutes(deps: ControlPlaneDeps) {
  const app = new Hono();
  const ctxOf = (c: Context): CommandContext => ({
    store: deps.store,
    artifacts: deps.artifacts,
    log: deps.log,
    // Audit: every event appended on a caller's behalf names it (`tide events`).
    actor: actorOf(c.get('principal')),
    ...(c.get('traceparent') ? { traceparent: c.get('traceparent')! } : {}),
  });
  const readBody = async (c: Context) => withoutServerFields(parseManifestBody(await c.req.text(), c.req.header('content-type')));
  const isWatch = (c: Context) => c.req.query('watch') === 'true' || c.req.query('watch') === '1';

  app.get('/namespaces', (c) =>
    isWatch(c) ? watchResponse(c, deps, ['Namespace']) : c.json(list('namespaces', c.get('principal'), deps.store.state(), undefined, listQuery(c))),
  );
  app.get('/namespaces/:ns', (c) => {
    const name = checkName('namespace', c.req.param('ns'));
    const item = deps.store.state().namespaces.get(name);
    if (!item) throw new ApiError(404, 'NotFound', `namespace ${name} not found`);
    return c.json(item);
  });
  app.put('/namespaces/:ns', async (c) => {
    const name = checkName('namespace', c.req.param('ns'));
    const { object, created } = await applyNamespace(ctxOf(c), checkManifestTarget(await readBody(c), 'namespaces', name));
    return c.json(object, created ? 201 : 200);
  });
  app.delete('/namespaces/:ns', async (c) => c.json(await deleteNamespace(ctxOf(c), checkName('namespace', c.req.param('ns')))));

  app.get('/nodes', (c) =>
    isWatch(c) ? watchResponse(c, deps, ['Node']) : c.json(list('nodes', c.get('principal'), deps.store.state(), undefined, listQuery(c))),
  );
  app.get('/nodes/:name', (c) => {
    const node = deps.store.state().nodes.get(checkName('node', c.req.param('name')));
    if (!node) throw new ApiError(404, 'NotFound', `node ${c.req.param('name')} not found`);
    return c.json(node);
  });
  app.delete('/nodes/:name', async (c) => c.json(await deleteNode(ctxOf(c), checkName('node', c.req.param('name')))));
  app.post('/nodes/:name/cordon', async (c) => c.json(await cordonNode(ctxOf(c), checkName('node', c.req.param('name')), true)));
  app.post('/nodes/:name/uncordon', async (c) => c.json(await cordonNode(ctxOf(c), checkName('node', c.req.param('name')), false)));
  app.post('/nodes/:name/drain', async (c) => c.json(await drainNode(ctxOf(c), checkName('node', c.req.param('name')))));

  for (const plural of ['functions', 'revisions', 'pods', 'triggers'] as const) {
    const kind = LIST_KINDS[plural].replace(/List$/, '');
    app.get(`/${plural}`, (c) =>
      isWatch(c) ? watchResponse(c, deps, [kind]) : c.json(list(plural, c.get('principal'), deps.store.state(), undefined, listQuery(c))),
    );
    app.get(`/namespaces/:ns/${plural}`, (c) => {
      const ns = checkName('namespace', c.req.param('ns'));
      return isWatch(c) ? watchResponse(c, deps, [kind], ns) : c.json(list(plural, c.get('principal'), deps.store.state(), ns, listQuery(c)));
    });
    app.get(`/namespaces/:ns/${plural}/:name`, (c) => {
      const ns = checkName('namespace', c.req.param('ns'));
      const name = c.req.param('name');
      const item = (deps.store.state()[plural] as ResourceMap<unknown>).get(keyOf(ns, name));
      if (!item) throw new ApiError(404, 'NotFound', `${kind.toLowerCase()} ${ns}/${name.slice(0, 80)} not found`);
      return c.json(shownObject(c.get('principal'), ns, item));
    });
  }

  app.put('/namespaces/:ns/functions/:name', async (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    const name = checkName('name', c.req.param('name'));
    const { object, created } = await applyFunction(ctxOf(c), ns, checkManifestTarget(await readBody(c), 'functions', name, ns));
    return c.json(object, created ? 201 : 200);
  });
  app.post('/namespaces/:ns/functions/:name/rollback', async (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    const name = checkName('name', c.req.param('name'));
    const text = await c.req.text();
    const body = text ? parseManifestBody(text, c.req.header('content-type') ?? 'application/json') : {};
    return c.json(await undoRollout(ctxOf(c), ns, name, rollbackTarget(body)));
  });
  app.get('/namespaces/:ns/functions/:name/metrics', (c) =>
    functionMetrics(c, deps, checkName('namespace', c.req.param('ns')), checkName('name', c.req.param('name'))),
  );
  app.get('/namespaces/:ns/functions/:name/logs', (c) =>
    functionLogs(c, deps, checkName('namespace', c.req.param('ns')), checkName('name', c.req.param('name'))),
  );
  app.delete('/namespaces/:ns/functions/:name', async (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    return c.json(await deleteFunction(ctxOf(c), ns, checkName('name', c.req.param('name'))));
  });

  app.put('/namespaces/:ns/triggers/:name', async (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    const name = checkName('name', c.req.param('name'));
    const { object, created } = await applyTrigger(ctxOf(c), ns, checkManifestTarget(await readBody(c), 'triggers', name, ns));
    return c.json(object, created ? 201 : 200);
  });
  app.post('/namespaces/:ns/triggers', async (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    const body = await readBody(c);
    const named = (body as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    if (typeof named !== 'string')
      throw new ApiError(422, 'Invalid', 'metadata.name is required: POST creates the trigger the manifest names', [
        { field: 'metadata.name', message: 'required' },
      ]);
    const name = checkName('metadata.name', named);
    const { object } = await applyTrigger(ctxOf(c), ns, checkManifestTarget(body, 'triggers', name, ns), true);
    return c.json(object, 201);
  });
  app.delete('/namespaces/:ns/triggers/:name', async (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    return c.json(await deleteTrigger(ctxOf(c), ns, checkName('name', c.req.param('name'))));
  });
  return app;
}
