import { formatCell, renderTable, type Cell } from './table.js';
import { meets, TARGETS } from './targets.js';
import type { TracingBenchResult } from './tracing-bench.js';

const us = (ms: number) => Math.round(ms * 1000);
const pct = (value: number | undefined) => (value === undefined ? '-' : `${value >= 0 ? '+' : ''}${Math.round(value)} %`);

export function tracingReport(r: TracingBenchResult): string {
  const row = (m: TracingBenchResult['modes'][number]): Cell[] => {
    const at1 = m.name === '1 %';
    const at100 = m.name === '100 %';
    return [
      `gateway, tracing ${m.name}`,
      us(m.figures.latencyMs.p50),
      us(m.figures.latencyMs.p99),
      us(m.pod.latencyMs.p50),
      m.addedP50Us === undefined ? '-' : Math.round(m.addedP50Us),
      m.figures.cpuUsPerRequest.concurrency1 ?? 'n/a',
      m.figures.cpuUsPerRequest.concurrency32 ?? 'n/a',
      pct(m.cpuVsOffPct),
      Math.round(m.figures.throughput.requestsPerSecond),
      at1
        ? `${meets(m.cpuVsOffPct, TARGETS.tracingCpuPct1)} (≤ +${TARGETS.tracingCpuPct1} %)`
        : at100
          ? `${meets(m.cpuVsOffPct, TARGETS.tracingCpuPct100)} (≤ +${TARGETS.tracingCpuPct100} %)`
          : '-',
      at1 ? `${meets(m.addedP50Us, TARGETS.tracingAddedP50Us1)} (≤ ${TARGETS.tracingAddedP50Us1} µs)` : '-',
    ];
  };
  return [
    renderTable(
      '14. Tracing: what it costs a call through the gateway (three tide up, hello, OTLP/HTTP to a receiver in the bench; c=1 in interleaved blocks, c=32 for throughput)',
      ['way', 'p50 µs', 'p99 µs', 'its pod p50 µs', 'p50 vs off µs', 'CPU µs/req c=1', 'CPU µs/req c=32', 'CPU vs off', 'req/s c=32', 'CPU goal', 'p50 goal'],
      [
        [
          'direct to the pod (yardstick)',
          us(r.direct.latencyMs.p50),
          us(r.direct.latencyMs.p99),
          '-',
          '-',
          '-',
          '-',
          '-',
          Math.round(r.direct.throughput.requestsPerSecond),
          '-',
          '-',
        ],
        ...r.modes.map(row),
      ],
    ),
    `   tracing off: no exporter (the default); 1 % and 100 %: OTEL_TRACES_SAMPLER=parentbased_traceidratio of calls without a traceparent; p50 vs off: p50 over its own pod's (called directly in the same blocks), less tracing off's over its pod's; CPU is Tide's whole process per request; the receiver got ${formatCell(r.spansReceived)} spans.`,
  ].join('\n');
}
