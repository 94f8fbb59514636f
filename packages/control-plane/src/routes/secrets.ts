import { Hono, type Context } from 'hono';
import { actorOf, dnsLabel, keyOf } from '@tide/core';
import { listsIn } from '../auth/visibility.js';
import { ApiError } from '../errors.js';
import { checkManifestTarget, parseManifestBody } from '../manifest-body.js';
import { withoutServerFields } from './client-manifest.js';
import { applySecret, deleteSecret, reencryptSecrets, type Sealer } from '../secret-commands.js';
import { podSecretEnv, shownSecret } from '../core/secret-view.js';
import { pageOf, parsePageRequest } from '../core/list-page.js';
import type { CommandContext } from '../commands.js';
import type { ControlPlaneDeps } from '../deps.js';

function checkName(what: string, value: string): string {
  const result = dnsLabel.safeParse(value);
  if (!result.success) throw new ApiError(400, 'BadRequest', `${what} "${value.slice(0, 80)}" is invalid: ${result.error.issues[0]!.message}`);
  return value;
}

/**
 * Secrets: written with their values, which are sealed before they reach the log; read back as
 * key names and sizes only. The values leave the control plane in one place: to the node a pod is
 * bound to, for that pod's environment.
 */
export function secretRoutes(deps: ControlPlaneDeps) {
  const app = new Hono();
  const sealer = (): Sealer => {
    if (!deps.sealer) throw new ApiError(503, 'ServiceUnavailable', 'this control plane has no secret key: it cannot seal or open secrets');
    return deps.sealer;
  };
  const ctxOf = (c: Context): CommandContext => ({ store: deps.store, artifacts: deps.artifacts, log: deps.log, actor: actorOf(c.get('principal')) });

  /** One page of the secrets `wanted` keeps, in namespace/name order: names and sizes only. */
  const listed = (c: Context, wanted: (namespace: string) => boolean) => {
    const state = deps.store.state();
    const paging = parsePageRequest(c.req.query('limit'), c.req.query('continue'), 'secrets');
    if (!paging.ok) throw new ApiError(400, 'BadRequest', paging.message, [{ field: paging.field, message: paging.message }]);
    // The fold keeps every secret in its namespace; the type allows a manifest without one.
    const namespaceOf = (secret: { metadata: { namespace?: string } }) => secret.metadata.namespace ?? '';
    const items = [...state.secrets.values()].filter((s) => wanted(namespaceOf(s)));
    const page = pageOf(items, (s) => keyOf(namespaceOf(s), s.metadata.name), paging.request, 'secrets');
    const metadata = {
      resourceVersion: String(state.offset),
      ...(page.continue === undefined ? {} : { continue: page.continue, remainingItemCount: page.remainingItemCount }),
    };
    return c.json({ apiVersion: 'tide.dev/v1', kind: 'SecretList', metadata, items: page.items.map(shownSecret) });
  };
  app.get('/namespaces/:ns/secrets', (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    return listed(c, (namespace) => namespace === ns);
  });
  // Every namespace's the caller may list secrets in (`tide get secrets -A`): a viewer's is empty.
  app.get('/secrets', (c) => listed(c, listsIn(c.get('principal'), 'secrets')));
  app.get('/namespaces/:ns/secrets/:name', (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    const name = c.req.param('name');
    const secret = deps.store.state().secrets.get(keyOf(ns, name));
    if (!secret) throw new ApiError(404, 'NotFound', `secret ${ns}/${name.slice(0, 80)} not found`);
    return c.json(shownSecret(secret));
  });
  app.put('/namespaces/:ns/secrets/:name', async (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    const name = checkName('name', c.req.param('name'));
    const body = withoutServerFields(parseManifestBody(await c.req.text(), c.req.header('content-type')));
    const { object, created } = await applySecret(ctxOf(c), sealer(), ns, checkManifestTarget(body, 'secrets', name, ns));
    return c.json(object, created ? 201 : 200);
  });
  app.delete('/namespaces/:ns/secrets/:name', async (c) =>
    c.json(await deleteSecret(ctxOf(c), checkName('namespace', c.req.param('ns')), checkName('name', c.req.param('name')))),
  );
  app.post('/secrets/reencrypt', async (c) => c.json(await reencryptSecrets(ctxOf(c), sealer())));

  // NodeRestriction: a node gets the values for a pod bound to it, and for no other.
  app.get('/namespaces/:ns/pods/:name/secret-env', (c) => {
    const ns = checkName('namespace', c.req.param('ns'));
    const name = c.req.param('name');
    const principal = c.get('principal');
    const state = deps.store.state();
    const pod = state.pods.get(keyOf(ns, name));
    const boundHere = principal.kind === 'control-plane' || (principal.kind === 'node' && pod?.spec.node === principal.node);
    if (!pod || !boundHere) throw new ApiError(404, 'NotFound', `pod ${ns}/${name.slice(0, 80)} is not bound to this node`);
    const result = podSecretEnv(state, sealer().keyring, pod);
    if (result.outcome === 'missing') throw new ApiError(404, 'NotFound', result.reasons.join('; '));
    if (result.outcome === 'unopenable') throw new ApiError(409, 'Conflict', result.reason);
    c.header('cache-control', 'no-store');
    return c.json({ env: result.env });
  });
  return app;
}
