import { describe, expect, it } from 'vitest';
import type { RequestRecord } from './load-driver.js';
import { buildReport, type ScenarioRun } from './report.js';
import { formatReport } from './report-text.js';
import { sleepFunction, type ScenarioPlan } from './scenario.js';
import { timelineSvg } from './timeline-chart.js';
import { expectWellFormedXml } from './well-formed-xml.js';

const plan: ScenarioPlan = {
  name: 'step',
  summary: '0 → 10 callers',
  functions: [sleepFunction('load-step')],
  startFromZero: false,
  phases: [
    { label: 'baseline', durationMs: 1_000, callers: 0 },
    { label: '10 callers', durationMs: 4_000, callers: 10 },
  ],
};

// 10 callers from 1 s to 5 s: 400 requests of 50 ms, 2 of them failed, one slow one while a pod started.
const records: RequestRecord[] = Array.from({ length: 400 }, (_, i) => ({ fn: 0, startMs: 1_000 + i * 10, latencyMs: 50, outcome: 200 }));
records[3] = { fn: 0, startMs: 1_030, latencyMs: 2_000, outcome: 200 };
records[10] = { fn: 0, startMs: 1_100, latencyMs: 30_000, outcome: 'UND_ERR_HEADERS_TIMEOUT' };
records[11] = { fn: 0, startMs: 1_110, latencyMs: 5, outcome: 503 };

const run: ScenarioRun = {
  plan,
  startedAt: '2026-01-01T00:00:00.000Z',
  url: 'http://127.0.0.1:8080',
  drive: { records, phaseStartsMs: [0, 1_000], endMs: 5_000 },
  samples: [0, 250, 1_250, 1_750, 2_000, 5_250].map((atMs) => ({ atMs, ready: [atMs < 1_750 ? 1 : 2], pods: [2], desired: [atMs < 1_250 ? 1 : 2] })),
  scaleEvents: [{ atMs: 1_200, receivedMs: 1_210, fn: 0, from: 1, to: 2, reason: 'panic', accepted: true }],
  samplerFailures: 0,
  setupMs: { deploy: 420 },
};

describe('buildReport', () => {
  const report = buildReport(run);

  it('counts requests, errors by status or code, and latency percentiles', () => {
    expect(report.requests).toBe(400);
    expect(report.ok).toBe(398);
    expect(report.errors).toEqual({ 503: 1, UND_ERR_HEADERS_TIMEOUT: 1 });
    expect(report.latencyMs).toMatchObject({ p50: 50, max: 30_000 });
  });

  it('times the step to the first ScaleSet and to the ready pod it brought', () => {
    expect(report.steps).toEqual([
      {
        label: '10 callers',
        atS: 1,
        fromCallers: 0,
        toCallers: 10,
        firstScale: { reacted: 1, of: 1, minMs: 200, medianMs: 200, maxMs: 200, example: { from: 1, to: 2 } },
        readyChange: { reacted: 1, of: 1, minMs: 750, medianMs: 750, maxMs: 750, example: { from: 1, to: 2 } },
      },
    ]);
  });

  it('keeps the timeline with the callers in force at each poll, 0 after the run', () => {
    expect(report.timeline.map((p) => p.callers)).toEqual([0, 0, 10, 10, 10, 0]);
    expect(report.callers).toEqual([
      [0, 0],
      [1, 10],
      [5, 0],
    ]);
  });
});

describe('formatReport and timelineSvg', () => {
  const report = buildReport(run);

  it('prints the figures a reader looks for', () => {
    const text = formatReport(report);
    expect(text).toContain('requests: 400 in 5 s (80/s); ok 398; errors 2 (503: 1, UND_ERR_HEADERS_TIMEOUT: 1)');
    expect(text).toContain('latency ms: p50 50  p95 50  p99 50  max 30,000');
    expect(text).toMatch(/10 callers +1\.0 +0 → 10 +0\.20 s \(1 → 2\) +0\.75 s \(1 → 2\)/);
  });

  it('shows seconds in which no poll was answered as such, not as the last answer before them', () => {
    const text = formatReport(report);
    expect(text).toMatch(/^1 +10 +2 +2 +2 +100 +50 +2,000$/m);
    expect(text).toMatch(/^3 +10 +· +· +· +100 +50 +50$/m); // polls at 2.0 s and 5.25 s only
    expect(text).toContain('· no poll of the API was answered in that interval');
  });

  it('charts callers, replicas and latency as well-formed SVG', () => {
    const svg = timelineSvg(report);
    expectWellFormedXml(svg);
    for (const series of ['callers', 'desired replicas', 'ready pods', 'p50 latency', 'p99 latency']) expect(svg).toContain(`data-series="${series}"`);
    expect(svg).toContain('(log scale)'); // 50 ms next to a 2 s p99
  });
});
