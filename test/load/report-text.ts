import { formatCell, renderTable, type Cell } from '../bench/table.js';
import type { LoadReport, Spread, StepSummary } from './report.js';
import { median } from './stats.js';

/** The printed report of one run (the same figures as its JSON). */
export function formatReport(r: LoadReport): string {
  return [
    `== ${r.scenario}: ${r.summary}`,
    `functions: ${r.functions.length === 1 ? r.functions[0] : `${r.functions.length} (${r.functions[0]} … ${r.functions.at(-1)})`}; set-up: deploy ${seconds(r.setupMs.deploy)}${r.setupMs.toZeroPods === undefined ? '' : `, then ${seconds(r.setupMs.toZeroPods)} until 0 pods`}`,
    `requests: ${formatCell(r.requests)} in ${formatCell(r.durationS)} s (${formatCell(r.requests / Math.max(r.durationS, 0.001))}/s); ok ${formatCell(r.ok)}; errors ${errorText(r.errors)}`,
    `latency ms: p50 ${formatCell(r.latencyMs.p50)}  p95 ${formatCell(r.latencyMs.p95)}  p99 ${formatCell(r.latencyMs.p99)}  max ${formatCell(r.latencyMs.max)}`,
    '',
    stepsTable(r),
    '',
    replicasTable(r),
    `scale decisions: ${r.scaleEvents.filter((e) => e.accepted).length} accepted, ${r.scaleEvents.filter((e) => !e.accepted).length} rejected as stale` +
      (r.samplerFailures ? `; ${r.samplerFailures} pod polls failed` : ''),
  ].join('\n');
}

function errorText(errors: Record<string, number>): string {
  const entries = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '0';
  return `${formatCell(entries.reduce((s, [, n]) => s + n, 0))} (${entries.map(([what, n]) => `${what}: ${formatCell(n)}`).join(', ')})`;
}

function stepsTable(r: LoadReport): string {
  const many = r.functions.length > 1;
  const rows = r.steps.map((s: StepSummary): Cell[] => [
    s.label,
    s.atS.toFixed(1),
    `${s.fromCallers} → ${s.toCallers}`,
    spread(s.firstScale, many),
    spread(s.readyChange, many),
    s.toCallers === 0 ? spread(s.zeroPods, many) : '',
  ]);
  return renderTable(
    `Load steps: time from each step to the first ScaleSet after it, to ready pods moving its way, to 0 pods${many ? ` (median (min–max) over ${r.functions.length} functions, n reacted)` : ''}`,
    ['step', 'at s', many ? 'callers each' : 'callers', 'first ScaleSet', 'ready pods moved', 'all pods gone'],
    rows,
  );
}

function spread(s: Spread | undefined, many: boolean): string {
  if (!s) return 'none';
  const change = s.example && !many ? ` (${s.example.from} → ${s.example.to})` : '';
  if (!many) return `${seconds(s.medianMs)}${change}`;
  return `${seconds(s.medianMs)} (${seconds(s.minMs)}–${seconds(s.maxMs)}) ${s.reacted}/${s.of}`;
}

/** One row per second (or per few seconds on long runs, at most ~45 rows): its requests, and the last poll answered in it. */
function replicasTable(r: LoadReport): string {
  const every = Math.max(1, Math.ceil(r.durationS / 45));
  const rows: Cell[][] = [];
  const last = Math.floor(r.timeline.at(-1)?.tS ?? 0);
  let unanswered = 0;
  for (let second = 0; second <= last && rows.length < 100; second += every) {
    const end = second + every;
    const callers = r.callers.filter(([t]) => t < end).at(-1)?.[1] ?? 0;
    // An API too busy to answer a poll in this interval is shown as such, not as the stale poll before it.
    const point = r.timeline.filter((p) => p.tS >= second && p.tS < end).at(-1);
    if (!point) unanswered++;
    const replicas: Cell[] = point ? [point.ready, point.desired, point.pods] : ['·', '·', '·'];
    const buckets = r.perSecond.filter((b) => b.second >= second && b.second < end);
    const requests = buckets.reduce((n, b) => n + b.requests, 0);
    const latency: Cell[] = buckets.length ? [median(buckets.map((b) => b.p50Ms)), Math.max(...buckets.map((b) => b.p99Ms))] : ['-', '-'];
    rows.push([second, callers, ...replicas, requests, ...latency]);
  }
  const span = every === 1 ? 'each second' : `each ${every} s (p50: median of its seconds' p50, p99: the worst second's)`;
  const table = renderTable(
    `Replicas over time: pods polled every 250 ms${r.functions.length > 1 ? ` (summed over ${r.functions.length} functions)` : ''}, the last answer in ${span}; requests started in it`,
    ['t s', 'callers', 'ready', 'desired', 'all pods', 'requests', 'p50 ms', 'p99 ms'],
    rows,
  );
  return unanswered ? `${table}\n· no poll of the API was answered in that interval` : table;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
