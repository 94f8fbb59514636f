import { Hono } from 'hono';
import { actorOf, judge, newTokenSecret, TokenManifest, type EventInput, type Principal, type StateStore, type Token } from '@tide/core';
import { ApiError, invalid, rejectionError } from '../errors.js';
import { parseManifestBody } from '../manifest-body.js';
import { withoutServerFields } from './client-manifest.js';
import type { ControlPlaneDeps } from '../deps.js';

/** A token as the API shows it: never its hash (the fold's business only). */
export function shownToken(token: Token) {
  const { secretHash: _hash, ...shown } = token;
  return shown;
}

/** What /whoami answers: the principal, as the token made it. */
export function describePrincipal(principal: Principal) {
  return { ...principal };
}

/** Appends one event on the caller's behalf (its actor) and answers the fold's refusal as HTTP. */
async function appendJudged(store: StateStore, event: EventInput): Promise<void> {
  // Doomed on the state we already have: answer now, leaving no rejected record.
  const foreseen = judge(store.state(), event);
  if (!foreseen.accepted) throw rejectionError(foreseen.code, foreseen.reason);
  const [result] = await store.append([event]);
  if (!result!.verdict.accepted) throw rejectionError(result!.verdict.code, result!.verdict.reason);
}

/**
 * Bearer tokens: created with a secret shown once in the answer (only its sha256 is stored),
 * listed without hashes, revoked by deleting. Only a cluster admin gets here (route-access.ts),
 * so no token can be made with more than its maker holds.
 */
export function tokenRoutes(deps: ControlPlaneDeps) {
  const app = new Hono();
  app.get('/whoami', (c) => c.json(describePrincipal(c.get('principal'))));

  app.post('/tokens', async (c) => {
    const body = withoutServerFields(parseManifestBody(await c.req.text(), c.req.header('content-type') ?? 'application/json'));
    const parsed = TokenManifest.safeParse(body);
    if (!parsed.success) throw invalid('Token', parsed.error);
    const { name } = parsed.data.metadata;
    const { token, secretHash } = newTokenSecret(name);
    await appendJudged(deps.store, { type: 'TokenCreated', data: { name, spec: parsed.data.spec, secretHash }, actor: actorOf(c.get('principal')) });
    const created = deps.store.state().tokens.get(name);
    // Revoked between the append and this read: the secret is worthless, say so rather than show it.
    if (!created) throw new ApiError(409, 'Conflict', `token ${name} was revoked as it was created`);
    return c.json({ token, object: shownToken(created) }, 201);
  });

  app.get('/tokens', (c) => {
    const state = deps.store.state();
    const items = [...state.tokens.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).map(shownToken);
    return c.json({ apiVersion: 'tide.dev/v1', kind: 'TokenList', metadata: { resourceVersion: String(state.offset) }, items });
  });

  app.get('/tokens/:name', (c) => {
    const name = c.req.param('name');
    const token = deps.store.state().tokens.get(name);
    if (!token) throw new ApiError(404, 'NotFound', `token ${name.slice(0, 80)} not found`);
    return c.json(shownToken(token));
  });

  app.delete('/tokens/:name', async (c) => {
    const name = c.req.param('name');
    const token = deps.store.state().tokens.get(name);
    if (!token) throw new ApiError(404, 'NotFound', `token ${name.slice(0, 80)} not found`);
    await appendJudged(deps.store, { type: 'TokenRevoked', data: { name }, actor: actorOf(c.get('principal')) });
    return c.json(shownToken(token));
  });
  return app;
}
