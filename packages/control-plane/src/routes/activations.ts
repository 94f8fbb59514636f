import { Hono } from 'hono';
import { ACTIVATIONS_LIST_MAX, listActivations, readActivation, type ActivationRecord } from '@tide/core';
import { ApiError } from '../errors.js';
import type { ControlPlaneDeps } from '../deps.js';

/**
 * Activations of async calls (the gateway's `/async/...`): what became of each, kept for a bounded
 * time (the newest 2000 per namespace, at most 24 h). Served from the view of tide.activations.
 */
export function activationRoutes(deps: ControlPlaneDeps) {
  const app = new Hono();
  const view = () => deps.activations?.() ?? new Map();

  app.get('/namespaces/:ns/activations', (c) => {
    const ns = c.req.param('ns');
    const fn = c.req.query('function');
    const rawLimit = c.req.query('limit');
    if (rawLimit !== undefined && !/^[1-9]\d*$/.test(rawLimit))
      throw new ApiError(400, 'BadRequest', `limit "${rawLimit.slice(0, 40)}" must be a whole number from 1 to ${ACTIVATIONS_LIST_MAX}`, [
        { field: 'limit', message: 'must be a positive whole number' },
      ]);
    const options = { ...(fn === undefined ? {} : { function: fn }), ...(rawLimit === undefined ? {} : { limit: Number(rawLimit) }) };
    const items = listActivations(view(), ns, options, Date.now()).map(shown);
    return c.json({ apiVersion: 'tide.dev/v1', kind: 'ActivationList', items });
  });

  app.get('/namespaces/:ns/activations/:id', (c) => {
    const ns = c.req.param('ns');
    const id = c.req.param('id');
    const record = readActivation(view(), ns, id, Date.now());
    if (record === undefined) throw new ApiError(404, 'NotFound', `activation ${ns}/${id} not found (unknown, or beyond the newest 2000 per namespace or 24 h kept)`);
    return c.json(shown(record));
  });
  return app;
}

function shown(record: ActivationRecord) {
  const { kind: _kind, ...rest } = record;
  return { apiVersion: 'tide.dev/v1', kind: 'Activation', ...rest };
}
