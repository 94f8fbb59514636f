import { renderTable } from '../../bench/table.js';
import { renderSvgChart, type ChartSpec } from '../svg-chart.js';
import type { ScaleResult } from './run-scale.js';

const ms = (value: number) => Number(value.toFixed(1));
const s = (value: number) => Number(value.toFixed(2));

/** The run's two tables: cost by functions (with the simulated fleet), cost by events in the log. */
export function formatScaleReport(r: ScaleResult): string {
  const functions = renderTable(
    `Functions (${r.functionSteps[0]?.nodes ?? 0} simulated nodes; every tenth function at min 1)`,
    [
      'functions',
      'min-1 pods',
      'log events',
      'apply p50 ms',
      'apply p99 ms',
      'applies/s',
      'pods ready s',
      'settled +s',
      'list fn page p50 ms',
      'list fn page p99 ms',
      'list fn whole ms',
      'list pods page p99 ms',
      'control plane RSS MB (peak)',
      'gateway RSS MB (peak)',
      'refused',
    ],
    r.functionSteps.map((f) => [
      f.functions,
      f.minOne,
      f.logEvents,
      ms(f.apply.p50),
      ms(f.apply.p99),
      Math.round(f.applyPerSecond),
      s(f.podsReadyS),
      s(f.settledS),
      ms(f.listFunctionsPage.p50),
      ms(f.listFunctionsPage.p99),
      ms(f.listFunctionsWholeMs),
      ms(f.listPodsPage.p99),
      `${f.controlPlane.rssMb} (${f.controlPlane.peakRssMb})`,
      `${f.gateway.rssMb} (${f.gateway.peakRssMb})`,
      f.fleetRefused,
    ]),
  );
  const events = renderTable(
    `Events in the log (start-up of \`tide control-plane\`; an empty one starts in ${s(r.emptyStartS)} s)`,
    ['events', 'log MB', 'written in s', 'start, full replay s', 'replay ev/s', 'RSS MB (peak)', 'start from snapshots s', 'RSS MB (peak) '],
    r.eventSteps.map((e) => [
      e.events,
      Math.round(e.logMb),
      s(e.writeS),
      s(e.coldStartS),
      Math.round(e.events / Math.max(0.001, e.coldStartS - r.emptyStartS)),
      `${e.coldRss.rssMb} (${e.coldRss.peakRssMb})`,
      s(e.warmStartS),
      `${e.warmRss.rssMb} (${e.warmRss.peakRssMb})`,
    ]),
  );
  return [r.functionSteps.length > 0 ? functions : '', r.eventSteps.length > 0 ? events : ''].filter(Boolean).join('\n\n');
}

/** Cost against functions: apply p99 and list page p99 (left, ms), control plane and gateway RSS (right, MB). */
export function functionsChart(r: ScaleResult): ChartSpec {
  const at = (pick: (f: ScaleResult['functionSteps'][number]) => number) => r.functionSteps.map((f) => [f.functions, pick(f)] as const);
  return {
    title: 'Tide scale: cost by functions',
    subtitle: `${r.functionSteps[0]?.nodes ?? 0} simulated nodes, every tenth function at min 1 (${r.plan} run)`,
    xLabel: 'functions',
    left: { label: 'ms' },
    right: { label: 'RSS MB' },
    series: [
      { name: 'apply p99 ms', axis: 'left', color: '#d62728', points: at((f) => f.apply.p99), shape: 'line' },
      { name: 'apply p50 ms', axis: 'left', color: '#2ca02c', points: at((f) => f.apply.p50), shape: 'line' },
      { name: 'list page p99 ms', axis: 'left', color: '#1f5fbf', points: at((f) => f.listFunctionsPage.p99), shape: 'line' },
      { name: 'control plane RSS MB', axis: 'right', color: '#7b3fa0', points: at((f) => f.controlPlane.rssMb), shape: 'line', dash: '6 4' },
      { name: 'gateway RSS MB', axis: 'right', color: '#f28e2b', points: at((f) => f.gateway.rssMb), shape: 'line', dash: '6 4' },
    ],
  };
}

/** Cost against history: start-up with a full replay and from snapshots (left, s), RSS after the full replay (right, MB). */
export function eventsChart(r: ScaleResult): ChartSpec {
  const at = (pick: (e: ScaleResult['eventSteps'][number]) => number) => r.eventSteps.map((e) => [e.events, pick(e)] as const);
  return {
    title: 'Tide scale: start-up by events in the log',
    subtitle: `tide control-plane on a history of deploys, scale decisions and pod lifecycles (${r.plan} run)`,
    xLabel: 'events in the state stream',
    left: { label: 'seconds to up' },
    right: { label: 'RSS MB' },
    series: [
      { name: 'start, full replay s', axis: 'left', color: '#d62728', points: at((e) => e.coldStartS), shape: 'line' },
      { name: 'start from snapshots s', axis: 'left', color: '#2ca02c', points: at((e) => e.warmStartS), shape: 'line' },
      { name: 'RSS after full replay MB', axis: 'right', color: '#7b3fa0', points: at((e) => e.coldRss.rssMb), shape: 'line', dash: '6 4' },
      { name: 'peak RSS in full replay MB', axis: 'right', color: '#f28e2b', points: at((e) => e.coldRss.peakRssMb), shape: 'line', dash: '2 3' },
    ],
  };
}

export const scaleSvgs = (r: ScaleResult) => ({ functions: renderSvgChart(functionsChart(r)), events: renderSvgChart(eventsChart(r)) });
