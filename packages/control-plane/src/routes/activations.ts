import { Hono } from 'hono';
import { ACTIVATIONS_LIST_MAX, decodePodLogBatch, listActivations, LOGS_TOPIC, readActivation, type ActivationRecord } from '@tide/core';
import { ApiError } from '../errors.js';
import type { ControlPlaneDeps } from '../deps.js';
import { pageOf, parsePageRequest } from '../core/list-page.js';

/** Activations per page without ?limit= (as before pagination: the newest 50). */
const ACTIVATIONS_PAGE_SIZE = 50;

/** Sorts newest first as plain strings: queuedAt counted down from the largest safe ms (zero-padded), then the id. */
function newestFirstKey(record: ActivationRecord): string {
  return `${String(Number.MAX_SAFE_INTEGER - record.queuedAt).padStart(16, '0')}/${record.id}`;
}

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
    const paging = parsePageRequest(undefined, c.req.query('continue'), 'activations');
    if (!paging.ok) throw new ApiError(400, 'BadRequest', paging.message, [{ field: paging.field, message: paging.message }]);
    // Every kept activation (at most ACTIVATIONS_LIST_MAX), newest first, then one page of them.
    const all = listActivations(view(), ns, { ...(fn === undefined ? {} : { function: fn }), limit: ACTIVATIONS_LIST_MAX }, Date.now());
    const limit = Math.min(rawLimit === undefined ? ACTIVATIONS_PAGE_SIZE : Number(rawLimit), ACTIVATIONS_LIST_MAX);
    const page = pageOf(all, newestFirstKey, { limit, after: paging.request.after }, 'activations');
    const metadata = page.continue === undefined ? {} : { continue: page.continue, remainingItemCount: page.remainingItemCount };
    return c.json({ apiVersion: 'tide.dev/v1', kind: 'ActivationList', metadata, items: page.items.map(shown) });
  });

  app.get('/namespaces/:ns/activations/:id', async (c) => {
    const ns = c.req.param('ns');
    const id = c.req.param('id');
    const record = readActivation(view(), ns, id, Date.now());
    if (record === undefined)
      throw new ApiError(404, 'NotFound', `activation ${ns}/${id} not found (unknown, or beyond the newest 2000 per namespace or 24 h kept)`);
    return c.json({ ...shown(record), logs: await logLinesOf(deps, record) });
  });
  return app;
}

/** How far back in tide.logs the lines of one activation are looked for (the topic holds every function's lines). */
const SCAN_RECORDS = 20_000;
/** Lines are shipped by node agents in batches about a second apart: a line may be read a little after the call ended. */
const SHIPPING_SLACK_MS = 5_000;

/**
 * The pod log lines of an activation's calls. The worker sends the activation id as the call's
 * x-request-id; the runtime puts the request id only in its own lines about a call
 * ("request <id> failed: ..."), not in what the function prints, so these are the lines that name
 * the activation, from its function's pods, while it ran.
 */
async function logLinesOf(deps: ControlPlaneDeps, record: ActivationRecord): Promise<string[]> {
  const from = (record.start ?? record.queuedAt) - 1000;
  const to = (record.end ?? Date.now()) + SHIPPING_SLACK_MS;
  const end = await deps.log.endOffset(LOGS_TOPIC);
  const named = new RegExp(`(^|[^\\w-])${record.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w-]|$)`);
  const lines: string[] = [];
  for await (const entry of deps.log.read(LOGS_TOPIC, Math.max(0, end - SCAN_RECORDS), { follow: false })) {
    if (entry.offset >= end) break;
    for (const line of decodePodLogBatch(entry.value)?.lines ?? []) {
      if (line.namespace !== record.namespace || line.function !== record.function || line.at < from || line.at > to) continue;
      if (named.test(line.line)) lines.push(`[${line.pod}] ${line.stream === 'stderr' ? '! ' : ''}${line.line}`);
    }
  }
  return lines;
}

function shown(record: ActivationRecord) {
  const { kind: _kind, ...rest } = record;
  return { apiVersion: 'tide.dev/v1', kind: 'Activation', ...rest };
}
