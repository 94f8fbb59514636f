import { describe, expect, it } from 'vitest';
import { performanceGoalsReport } from './goals-report.js';
import type { ProxyOverheadResult } from './proxy-overhead.js';
import type { LatencySummary } from './stats.js';

const latency = (p50: number, p99: number): LatencySummary => ({ count: 100, p50, p90: p50, p99, max: p99 });

function way(name: string, rps: number, cpu32: number, cpu1: number, addedP50: number, addedP99: number) {
  return {
    name,
    latencyMs: latency(0.1 + addedP50, 1 + addedP99),
    addedMs: { p50: addedP50, p99: addedP99 },
    throughput: { requests: rps * 6, seconds: 6, requestsPerSecond: rps },
    cpuUsPerRequest: { concurrency1: cpu1, concurrency32: cpu32 },
  };
}

function proxy(gatewayRps: number, gatewayCpu: number): ProxyOverheadResult {
  return {
    nginx: { found: true, binary: '/usr/sbin/nginx', version: 'nginx/1.22.1', installedNow: false },
    ways: [
      way('direct', 15_000, 1, 1, 0, 0),
      way('nginx', 12_000, 30, 90, 0.1, 0.3),
      way('minimal', 10_000, 60, 150, 0.12, 0.5),
      way('gateway', gatewayRps, gatewayCpu, 180, 0.14, 0.9),
      way('haproxy-ingress', 9_000, 50, 150, 0.1, 0.5),
    ],
    gatewayCpuPerNginxCpu: { concurrency1: 2, concurrency32: gatewayCpu / 30 },
    gatewayCpuPerMinimalCpu: { concurrency1: 180 / 150, concurrency32: gatewayCpu / 60 },
  };
}

function row(report: string, figure: string): string {
  const line = report.split('\n').find((l) => l.includes(figure));
  if (line === undefined) throw new Error(`no row "${figure}" in:\n${report}`);
  return line;
}

describe('performanceGoalsReport', () => {
  it('judges the gateway against the minimal Node proxy of the same run', () => {
    const within = performanceGoalsReport({ proxy: proxy(9_000, 70) });
    expect(row(within, 'Throughput at c=32')).toMatch(/yes\s*$/);
    expect(row(within, 'CPU per proxied request')).toMatch(/yes\s*$/);
    expect(row(within, 'Added latency p50 / p99 at c=1 ')).toMatch(/yes\s*$/);
    // 9 000 of nginx's 12 000 req/s is 75 %; 50 of its 30 µs is 1.67 ×; 150 of its 90 µs at c=1 is 1.67 ×.
    expect(row(within, 'Throughput at c=32 through the HAProxy ingress')).toMatch(/yes\s*$/);
    expect(row(within, 'CPU per request through the HAProxy ingress')).toMatch(/yes\s*$/);
    const over = performanceGoalsReport({ proxy: proxy(7_000, 80) });
    expect(row(over, 'Throughput at c=32')).toMatch(/NO\s*$/);
    expect(row(over, 'CPU per proxied request')).toMatch(/NO\s*$/);
  });

  it('says n/a for every row whose section did not run, and prints them all', () => {
    const report = performanceGoalsReport({});
    for (const figure of [
      'Throughput at c=32',
      'CPU per proxied request',
      'Added latency',
      'Throughput at c=32 through the HAProxy ingress',
      'CPU per request through the HAProxy ingress',
      'Cold start through the warm pool',
      'Cold start without the pool',
      'Full replay',
      'Deploy → routable',
      'Scheduler decision p99',
    ])
      expect(row(report, figure)).toMatch(/n\/a\s*$/);
  });

  it('judges replay, cold starts and the scheduler by their goals', () => {
    const report = performanceGoalsReport({
      coldStart: {
        pool: { functions: 20, firstByteMs: latency(7, 19), samplesMs: [], poolProcessesAtZero: 2 },
        noPool: { functions: 20, firstByteMs: latency(80, 120), samplesMs: [], poolProcessesAtZero: 0 },
      },
      nodeStart: { firstResponseMs: latency(40, 50) },
      scheduler: {
        nodes: 100,
        pure: { pods: 1000, placementsPerSecond: 50_000 },
        throughLog: { pods: 1000, placementsPerSecond: 2000, decisionMs: latency(5, 25) },
        paced: { pods: 100, placementsPerSecond: 100, decisionMs: latency(1, 4) },
      },
    });
    expect(row(report, 'Cold start through the warm pool')).toMatch(/yes\s*$/);
    expect(row(report, 'Cold start without the pool')).toMatch(/NO\s*$/);
    expect(row(report, 'Cold start without the pool')).toContain('bare node start → first response 40 ms');
    expect(row(report, 'Scheduler decision p99')).toMatch(/NO\s*$/);
  });
});
