import type { LoadReport } from './report.js';
import { renderSvgChart, type ChartSeries, type ChartSpec } from './svg-chart.js';

/** The run's chart: callers, ready and desired replicas (left), p50/p99 latency per second (right). */
export function timelineChart(r: LoadReport): ChartSpec {
  const at = (pick: (p: LoadReport['timeline'][number]) => number) => pollsWithGaps(r.timeline.map((p) => [p.tS, pick(p)] as const));
  const latency = (pick: (b: LoadReport['perSecond'][number]) => number) => withGaps(r.perSecond.map((b) => [b.second + 0.5, pick(b)] as const));
  const positive = r.perSecond.flatMap((b) => [b.p50Ms, b.p99Ms]).filter((v) => v > 0);
  // Cold starts put seconds-long waits next to 50 ms calls: past a 20x spread a log axis keeps both readable.
  const log = positive.length > 0 && Math.max(...positive) / Math.min(...positive) > 20;
  const many = r.functions.length > 1 ? ` (sum over ${r.functions.length} functions)` : '';
  const series: ChartSeries[] = [
    { name: `callers${many}`, axis: 'left', color: '#8c8c8c', points: r.callers, shape: 'step', fill: true },
    // Wide and pale under the ready line, so it still shows where desired = ready.
    { name: 'desired replicas', axis: 'left', color: '#f28e2b', points: at((p) => p.desired), shape: 'step', width: 6, opacity: 0.55 },
    { name: 'ready pods', axis: 'left', color: '#1f5fbf', points: at((p) => p.ready), shape: 'step' },
    { name: 'p50 latency', axis: 'right', color: '#2ca02c', points: latency((b) => b.p50Ms), shape: 'line' },
    { name: 'p99 latency', axis: 'right', color: '#d62728', points: latency((b) => b.p99Ms), shape: 'line' },
  ];
  const accepted = r.scaleEvents.filter((e) => e.accepted);
  return {
    title: `Tide load: ${r.scenario}`,
    subtitle: `${r.summary} — ${r.requests} requests, ${Object.values(r.errors).reduce((a, b) => a + b, 0)} errors, p99 ${Math.round(r.latencyMs.p99)} ms`,
    xLabel: 'seconds since the run started',
    left: { label: `callers, replicas${many}` },
    right: { label: `latency ms per second${log ? ' (log scale)' : ''}`, scale: log ? 'log' : 'linear' },
    series,
    markers: r.steps.map((s) => ({ x: s.atS, label: s.label })),
    marks: { name: `ScaleSet (${accepted.length})`, color: '#7b3fa0', xs: accepted.map((e) => e.tS) },
  };
}

export function timelineSvg(r: LoadReport): string {
  return renderSvgChart(timelineChart(r));
}

/** Breaks the line where seconds are missing (no request started then) instead of bridging the gap. */
function withGaps(points: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  points.forEach(([x, y], i) => {
    const previous = points[i - 1];
    if (previous && x - previous[0] > 1.5) out.push([x - 1, Number.NaN]);
    out.push([x, y]);
  });
  return out;
}

/** Polls come every 0.25 s; where none was answered for over a second, the line stops rather than hold a stale value. */
function pollsWithGaps(points: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  points.forEach(([x, y], i) => {
    const previous = points[i - 1];
    if (previous && x - previous[0] > 1) out.push([previous[0] + 0.25, previous[1]], [previous[0] + 0.25, Number.NaN]);
    out.push([x, y]);
  });
  return out;
}
