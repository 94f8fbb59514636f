import type { Context } from 'hono';
import { historyOf, type HistoryEntry } from '@tide/autoscaler';
import { decodeLoadReport, keyOf, METRICS_TOPIC } from '@tide/core';
import { ApiError } from '../errors.js';
import type { ControlPlaneDeps } from '../deps.js';

const DEFAULT_RECORDS = 20_000;
const MAX_RECORDS = 200_000;

export interface RecordedLoad {
  offset: number;
  at: number;
  intervalMs: number;
  source: string;
  concurrency: number;
  requests: number;
  waiting: number;
}

/**
 * The load gateways recorded for one function, from the metrics topic, and its `history` (every
 * sample — load, CPU, trigger lag — and scale decision in offset order): what `tide autoscale replay`
 * feeds back through the decider. `from` is an offset of that topic (default: recent). The topic
 * itself is Tide's components' only: it holds every namespace's load, so this is the way to one's own.
 */
export async function functionMetrics(c: Context, deps: ControlPlaneDeps, namespace: string, name: string) {
  if (!deps.store.state().functions.has(keyOf(namespace, name))) throw new ApiError(404, 'NotFound', `function ${namespace}/${name} not found`);
  const end = await deps.log.endOffset(METRICS_TOPIC);
  const rawFrom = c.req.query('from');
  const rawLimit = c.req.query('limit');
  for (const [field, raw] of [
    ['from', rawFrom],
    ['limit', rawLimit],
  ] as const) {
    if (raw !== undefined && !/^\d+$/.test(raw))
      throw new ApiError(400, 'BadRequest', `${field} "${raw.slice(0, 40)}" must be a whole number`, [{ field, message: 'must be a whole number' }]);
  }
  const limit = Math.min(MAX_RECORDS, rawLimit === undefined ? DEFAULT_RECORDS : Number(rawLimit));
  const from = rawFrom === undefined ? Math.max(0, end - limit) : Number(rawFrom);
  const samples: RecordedLoad[] = [];
  const history: HistoryEntry[] = [];
  let read = 0;
  if (from < end) {
    for await (const record of deps.log.read(METRICS_TOPIC, from, { follow: false })) {
      if (record.offset >= end || ++read > limit) break;
      history.push(...historyOf([record], namespace, name));
      const report = decodeLoadReport(record.value);
      for (const sample of report?.samples ?? []) {
        if (sample.namespace !== namespace || sample.name !== name) continue;
        const { concurrency, requests, waiting } = sample;
        samples.push({ offset: record.offset, at: report!.at, intervalMs: report!.intervalMs, source: report!.source, concurrency, requests, waiting });
      }
    }
  }
  return c.json({ topic: METRICS_TOPIC, from, to: Math.min(end, from + read), samples, history });
}
