import type { CallBenchResult } from './call-bench.js';
import type { DeployBenchResult } from './deploy-bench.js';
import type { LogBenchResult } from './log-bench.js';
import type { MachineInfo } from './machine.js';
import type { ReplayBenchResult } from './replay-bench.js';
import { formatCell, renderTable, type Cell } from './table.js';

/** The printed form of each section's figures (the same figures go to results.json). */
export function machineHeader(m: MachineInfo): string {
  return [`Tide bench — ${m.date}`, `machine: ${m.cpus} cpus (${m.cpuModel}), ${m.memoryGb} GB, ${m.platform}; Node ${m.node}`].join('\n');
}

export function logReport({ single, batched }: LogBenchResult): string {
  const row = (mode: string, r: LogBenchResult['single']): Cell[] => [
    mode, r.records, r.batchSize, r.eventsPerSecond, r.batches, r.meanBatchRecords, r.appendLatencyMs.p50, r.appendLatencyMs.p99, r.appendLatencyMs.max,
  ];
  return renderTable(
    `1. Event log appends with fsync (${single.valueBytes}-byte values)`,
    ['mode', 'records', 'in flight', 'events/s', 'fsyncs', 'records/fsync', 'p50 ms', 'p99 ms', 'max ms'],
    [row('single', single), row('batched', batched)],
  );
}

export function replayReport(r: ReplayBenchResult): string {
  const mix = Object.entries(r.byType).map(([type, n]) => `${type} ${formatCell(n)}`).join(', ');
  const table = renderTable(
    `2. Rebuilding state from ${formatCell(r.events)} events (openStateStore until caught up)`,
    ['start-up', 'events folded', 'ms (median of 3)', 'runs ms', 'events/s'],
    [
      ['full replay, no snapshot', r.events, r.full.ms, r.full.runsMs.map(formatCell).join(' / '), r.full.eventsPerSecond],
      [`snapshot @${r.fromSnapshot.snapshotOffset} + tail`, r.fromSnapshot.tailEvents, r.fromSnapshot.ms, r.fromSnapshot.runsMs.map(formatCell).join(' / '), r.fromSnapshot.tailEvents / (r.fromSnapshot.ms / 1000)],
      ['(fold only, in memory, 1 run)', r.events, r.foldOnlyMs, '-', r.events / (r.foldOnlyMs / 1000)],
      ['(log open before it, median)', '-', r.logOpenMs, '-', '-'],
    ],
  );
  return [
    table,
    `stream: ${formatCell(r.logBytes / 1e6)} MB; accepted by the fold ${formatCell(r.accepted)} of ${formatCell(r.events)} (${(r.acceptedShare * 100).toFixed(1)}%)`,
    `mix: ${mix}`,
    `snapshot: ${formatCell(r.fromSnapshot.snapshotBytes / 1e6)} MB; both start-ups reach an identical state (encodeSnapshot bytes equal): ${r.identicalState ? 'yes' : 'NO'}`,
  ].join('\n');
}

export function deployReport(r: DeployBenchResult): string {
  const row = (what: string, s: DeployBenchResult['uploadToFirst200Ms']): Cell[] => [what, s.p50, s.p99, s.max];
  return [
    renderTable(`3. Deploy → first 200 (${r.functions} distinct functions, one after another, polling every 2 ms)`, ['interval', 'p50 ms', 'p99 ms', 'max ms'], [
      row('upload start → first 200', r.uploadToFirst200Ms),
      row('PUT acknowledged → first 200', r.putAckToFirst200Ms),
      row('upload start → PUT acknowledged', r.uploadToPutAckMs),
    ]),
    `non-200 answers while polling: ${r.non200Answers} (the gateway holds a call to a function with no ready pod, so one GET usually spans the wait)`,
  ].join('\n');
}

export function callReport(r: CallBenchResult): string {
  const lat = (way: string, s: CallBenchResult['latencyMs']['direct']): Cell[] => [way, s.count, s.p50, s.p90, s.p99, s.max];
  const cpu = (us: number | undefined) => (us === undefined ? 'n/a' : us);
  const latency = renderTable('4. Warm calls to hello, concurrency 1, keep-alive (ABBA blocks of 500 after 500 warm-up each)', ['way', 'requests', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'], [
    lat('direct to pod', r.latencyMs.direct),
    lat('through gateway', r.latencyMs.gateway),
    ['added by gateway', '-', r.addedMs.p50, '-', r.addedMs.p99, '-'],
  ]);
  const throughput = renderTable('   Throughput, concurrency 32, 3 s each', ['way', 'requests', 'seconds', 'requests/s', 'Tide CPU µs/req'], [
    ['direct to pod', r.throughput.direct.requests, r.throughput.direct.seconds, r.throughput.direct.requestsPerSecond, '-'],
    ['through gateway', r.throughput.gateway.requests, r.throughput.gateway.seconds, r.throughput.gateway.requestsPerSecond, cpu(r.tideCpuUsPerRequest.gatewayThroughputRun)],
  ]);
  const c = r.tideCpuUsPerRequest;
  const cpuLine = `Tide process CPU per request (utime+stime from /proc): gateway at concurrency 1 ${formatCell(cpu(c.gatewayLatencyRuns))} µs; while calls went direct (idle baseline) ${formatCell(cpu(c.directRunsBaseline))} µs`;
  return [latency, '', throughput, cpuLine].join('\n');
}
