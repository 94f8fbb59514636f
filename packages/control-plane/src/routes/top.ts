import { Hono, type Context } from 'hono';
import { decodeMetricsReport, METRICS_TOPIC, type CpuReport, type LoadReport } from '@tide/core';
import { ApiError } from '../errors.js';
import type { ControlPlaneDeps } from '../deps.js';
import { functionTop } from '../core/function-top.js';
import { nodeTop } from '../core/node-top.js';
import { listsIn } from '../auth/visibility.js';
import { checkName } from './resources.js';

/** Rates and percentiles over the last 5 s; cold starts over the last minute; a node's CPU from its report of the last 5 s. */
const RATE_WINDOW_MS = 5_000;
const COLD_WINDOW_MS = 60_000;
/**
 * The metrics topic's newest records read per request: each gateway, node and triggers process
 * writes about one a second, so 3000 hold the last minute of a cluster of 50 such processes, and
 * reading them costs a few ms. A larger cluster sees cold starts over a shorter span.
 */
const TAIL_RECORDS = 3_000;

/**
 * `tide top`'s data: per function, the load every gateway reported to the metrics topic in the last
 * seconds with the replicas the log holds; per node, what its pods asked for and used. Served by any
 * control plane from the shared log, so a cluster with several gateways shows their sum.
 */
export function topRoutes(deps: ControlPlaneDeps, nowMs: () => number = Date.now) {
  const app = new Hono();
  app.get('/top/functions', async (c) => c.json(await functionsTop(c, deps, nowMs())));
  app.get('/namespaces/:ns/top/functions', async (c) => c.json(await functionsTop(c, deps, nowMs(), checkName('namespace', c.req.param('ns')))));
  app.get('/top/nodes', async (c) => {
    const now = nowMs();
    const state = deps.store.state();
    const reports = (await recentReports(deps, now)).filter((r): r is CpuReport => r.kind === 'pod-cpu');
    const items = nodeTop({ nodes: [...state.nodes.values()], pods: [...state.pods.values()], reports, now, windowMs: RATE_WINDOW_MS });
    return c.json({ kind: 'NodeTop', windowSeconds: RATE_WINDOW_MS / 1000, items });
  });
  return app;
}

async function functionsTop(c: Context, deps: ControlPlaneDeps, now: number, namespace?: string) {
  const state = deps.store.state();
  if (namespace !== undefined && !state.namespaces.has(namespace)) throw new ApiError(404, 'NotFound', `namespace ${namespace} not found`);
  // Cluster-wide, only the namespaces whose functions the caller may list (the route is `filtered`).
  const sees = namespace === undefined ? listsIn(c.get('principal'), 'functions') : (ns: string | undefined) => ns === namespace;
  const functions = [...state.functions.values()].filter((fn) => sees(fn.metadata.namespace));
  const reports = (await recentReports(deps, now)).filter((r): r is LoadReport => r.kind === 'gateway-load');
  const items = functionTop({ functions, pods: [...state.pods.values()], reports, now, rateWindowMs: RATE_WINDOW_MS, coldWindowMs: COLD_WINDOW_MS });
  return { kind: 'FunctionTop', windowSeconds: RATE_WINDOW_MS / 1000, coldStartWindowSeconds: COLD_WINDOW_MS / 1000, items };
}

/** The metrics topic's reports of the last minute, from its newest TAIL_RECORDS records. */
async function recentReports(deps: ControlPlaneDeps, now: number) {
  const end = await deps.log.endOffset(METRICS_TOPIC);
  const reports = [];
  for await (const record of deps.log.read(METRICS_TOPIC, Math.max(0, end - TAIL_RECORDS), { follow: false })) {
    if (record.offset >= end) break;
    const report = decodeMetricsReport(record.value);
    if (report && report.at > now - COLD_WINDOW_MS) reports.push(report);
  }
  return reports;
}
