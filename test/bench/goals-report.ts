import type { ColdStartModes } from './cold-start-bench.js';
import type { DeployBenchResult } from './deploy-bench.js';
import { HAPROXY_GOALS, haproxyIngressFigures } from './haproxy-ingress-report.js';
import type { ProxyOverheadResult } from './proxy-overhead.js';
import type { ReplayBenchResult } from './replay-bench.js';
import type { SchedulerBenchResult } from './scheduler-bench.js';
import type { LatencySummary } from './stats.js';
import { type Cell, formatCell, renderTable } from './table.js';
import { meets, reaches, TARGETS } from './targets.js';

/** What a run measured, by section; a section not run leaves its rows "n/a". */
export interface GoalInputs {
  proxy?: ProxyOverheadResult;
  coldStart?: ColdStartModes;
  nodeStart?: { firstResponseMs: LatencySummary };
  replay?: ReplayBenchResult;
  nodesDeploy?: DeployBenchResult;
  scheduler?: SchedulerBenchResult;
}

/** The issue 14 goals the performance table is judged by (targets, not assertions). */
export const PERFORMANCE_GOALS = {
  replayEventsPerSecond: 100_000,
  deployRoutableP50Ms: 60,
  schedulerPacedP99Ms: 5,
  schedulerBackToBackP99Ms: 20,
} as const;

const NA = 'n/a';

/**
 * Every row of issue 14's table in one place, each beside its yardstick from the same run and
 * whether its goal is met: the summary a reader compares across runs.
 */
export function performanceGoalsReport(r: GoalInputs): string {
  const way = (name: string) => r.proxy?.ways.find((w) => w.name === name);
  const gateway = way('gateway');
  const minimal = way('minimal');
  const nginx = way('nginx');
  const us = (ms: number | undefined) => (ms === undefined ? NA : `${formatCell(ms * 1000)} µs`);
  const ms = (value: number | undefined) => (value === undefined ? NA : `${formatCell(value)} ms`);
  const pair = (a: string, b: string) => `${a} / ${b}`;
  const rate = (n: number | undefined) => (n === undefined ? NA : `${formatCell(Math.round(n))} req/s`);
  const cpu = (w: typeof gateway) => (w === undefined ? NA : pair(cpuCell(w.cpuUsPerRequest.concurrency32), cpuCell(w.cpuUsPerRequest.concurrency1)));
  const throughputShare = gateway && minimal ? gateway.throughput.requestsPerSecond / minimal.throughput.requestsPerSecond : undefined;
  const cpuRatio = r.proxy?.gatewayCpuPerMinimalCpu;
  const both = (a: string, b: string) => (a === 'yes' && b === 'yes' ? 'yes' : a === NA || b === NA ? NA : 'NO');
  const sched = r.scheduler;
  const haproxy = way('haproxy-ingress');
  const ofNginx = haproxyIngressFigures(r.proxy?.ways ?? []);
  const haproxyCpu1 =
    haproxy?.cpuUsPerRequest.concurrency1 !== undefined && nginx?.cpuUsPerRequest.concurrency1
      ? haproxy.cpuUsPerRequest.concurrency1 / nginx.cpuUsPerRequest.concurrency1
      : undefined;
  const rows: Cell[][] = [
    [
      'Throughput at c=32, hello through the gateway',
      rate(gateway?.throughput.requestsPerSecond),
      `minimal Node proxy ${rate(minimal?.throughput.requestsPerSecond)}, nginx ${rate(nginx?.throughput.requestsPerSecond)}, direct ${rate(way('direct')?.throughput.requestsPerSecond)}`,
      `≥ ${TARGETS.gatewayThroughputOfMinimal * 100} % of the minimal proxy's`,
      reaches(throughputShare, TARGETS.gatewayThroughputOfMinimal),
    ],
    [
      'CPU per proxied request, c=32 / c=1',
      cpu(gateway),
      `minimal ${cpu(minimal)}, nginx ${cpu(nginx)}`,
      `≤ ${TARGETS.gatewayCpuPerMinimalCpu} × the minimal proxy's`,
      both(meets(cpuRatio?.concurrency32, TARGETS.gatewayCpuPerMinimalCpu), meets(cpuRatio?.concurrency1, TARGETS.gatewayCpuPerMinimalCpu)),
    ],
    [
      'Added latency p50 / p99 at c=1',
      pair(us(gateway?.addedMs.p50), us(gateway?.addedMs.p99)),
      `minimal ${pair(us(minimal?.addedMs.p50), us(minimal?.addedMs.p99))}, nginx ${pair(us(nginx?.addedMs.p50), us(nginx?.addedMs.p99))}`,
      `≤ ${TARGETS.gatewayAddedP50Ms * 1000} µs / ≤ ${TARGETS.gatewayAddedP99Ms * 1000} µs`,
      both(meets(gateway?.addedMs.p50, TARGETS.gatewayAddedP50Ms), meets(gateway?.addedMs.p99, TARGETS.gatewayAddedP99Ms)),
    ],
    [
      'Throughput at c=32 through the HAProxy ingress',
      rate(haproxy?.throughput.requestsPerSecond),
      `nginx ${rate(nginx?.throughput.requestsPerSecond)}`,
      `≥ ${HAPROXY_GOALS.minThroughputOfNginx * 100} % of nginx's`,
      reaches(ofNginx.throughputOfNginx, HAPROXY_GOALS.minThroughputOfNginx),
    ],
    [
      'CPU per request through the HAProxy ingress, c=32 / c=1',
      cpu(haproxy),
      `nginx ${cpu(nginx)}`,
      `≤ ${HAPROXY_GOALS.maxCpuOfNginx} × nginx's`,
      both(meets(ofNginx.cpuOfNginx, HAPROXY_GOALS.maxCpuOfNginx), meets(haproxyCpu1, HAPROXY_GOALS.maxCpuOfNginx)),
    ],
    [
      'Added latency p50 / p99 at c=1 through the HAProxy ingress',
      pair(us(haproxy?.addedMs.p50), us(haproxy?.addedMs.p99)),
      `nginx ${pair(us(nginx?.addedMs.p50), us(nginx?.addedMs.p99))}`,
      `≤ ${TARGETS.gatewayAddedP50Ms * 1000} µs / ≤ ${TARGETS.gatewayAddedP99Ms * 1000} µs`,
      both(meets(haproxy?.addedMs.p50, TARGETS.gatewayAddedP50Ms), meets(haproxy?.addedMs.p99, TARGETS.gatewayAddedP99Ms)),
    ],
    [
      'Cold start through the warm pool, p50 / p99',
      pair(ms(r.coldStart?.pool.firstByteMs.p50), ms(r.coldStart?.pool.firstByteMs.p99)),
      '-',
      `≤ ${TARGETS.coldStartPoolP50Ms} / ≤ ${TARGETS.coldStartPoolP99Ms} ms`,
      both(meets(r.coldStart?.pool.firstByteMs.p50, TARGETS.coldStartPoolP50Ms), meets(r.coldStart?.pool.firstByteMs.p99, TARGETS.coldStartPoolP99Ms)),
    ],
    [
      'Cold start without the pool, p50',
      ms(r.coldStart?.noPool.firstByteMs.p50),
      `bare node start → first response ${ms(r.nodeStart?.firstResponseMs.p50)}`,
      `≤ ${TARGETS.coldStartSpawnP50Ms} ms`,
      meets(r.coldStart?.noPool.firstByteMs.p50, TARGETS.coldStartSpawnP50Ms),
    ],
    [
      `Full replay of ${r.replay ? formatCell(r.replay.events) : 'the'} events`,
      r.replay ? `${formatCell(r.replay.full.ms / 1000)} s (${formatCell(Math.round(r.replay.full.eventsPerSecond))} ev/s)` : NA,
      r.replay ? `decode + fold in memory ${formatCell(Math.round((r.replay.events / r.replay.foldOnlyMs) * 1000))} ev/s` : '-',
      `≥ ${formatCell(PERFORMANCE_GOALS.replayEventsPerSecond)} ev/s`,
      reaches(r.replay?.full.eventsPerSecond, PERFORMANCE_GOALS.replayEventsPerSecond),
    ],
    [
      'Deploy → routable on 3 node processes, p50',
      ms(r.nodesDeploy?.putAckToFirst200Ms.p50),
      '-',
      `≤ ${PERFORMANCE_GOALS.deployRoutableP50Ms} ms`,
      meets(r.nodesDeploy?.putAckToFirst200Ms.p50, PERFORMANCE_GOALS.deployRoutableP50Ms),
    ],
    [
      'Scheduler decision p99, paced / back to back',
      pair(ms(sched?.paced.decisionMs.p99), ms(sched?.throughLog.decisionMs.p99)),
      sched ? `pure scheduler ${formatCell(Math.round(sched.pure.placementsPerSecond))} placements/s` : '-',
      `≤ ${PERFORMANCE_GOALS.schedulerPacedP99Ms} / ≤ ${PERFORMANCE_GOALS.schedulerBackToBackP99Ms} ms`,
      both(
        meets(sched?.paced.decisionMs.p99, PERFORMANCE_GOALS.schedulerPacedP99Ms),
        meets(sched?.throughLog.decisionMs.p99, PERFORMANCE_GOALS.schedulerBackToBackP99Ms),
      ),
    ],
  ];
  return renderTable(
    'Performance goals (issue 14): each figure beside its yardstick from this run',
    ['figure', 'Tide', 'yardstick (same run)', 'goal', 'met'],
    rows,
  );
}

function cpuCell(value: number | undefined): string {
  return value === undefined ? NA : `${formatCell(value)} µs`;
}
