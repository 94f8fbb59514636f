import type { Pod } from '@tide/core';
import { serveMetricsForTest, type ServedMetrics } from '@tide/telemetry/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coldStartMetrics } from './cold-start-metrics.js';
import type { PodReport } from './pod-types.js';

let metrics: ServedMetrics;

beforeEach(async () => {
  metrics = await serveMetricsForTest('tide-node');
});
afterEach(async () => {
  await metrics.close();
});

/** The samples of the cold-start families, scope label left out. */
const coldStartSamples = () => metrics.samples(/^tide_cold_start(s_total|_duration_seconds_(count|sum))\{/);

const pod = { metadata: { namespace: 'default', name: 'hello-00001-a' }, spec: { function: 'hello' } } as Pod;
const report = (r: Partial<PodReport>): PodReport => ({ pod: 'hello-00001-a', phase: 'Ready', restartCount: 0, ...r });

describe('cold-start metrics', () => {
  it('count a start once, at its first Ready, with how long it took; a pod Ready again after a failed readiness probe is no new start', async () => {
    const record = coldStartMetrics();
    record(pod, report({ phase: 'Starting', coldStart: 'spawn' }));
    expect(await coldStartSamples()).toEqual([]);
    record(pod, report({ coldStart: 'spawn', startMs: 250 }));
    // Not ready (probe failed), then Ready again: the same start, no startMs.
    record(pod, report({ phase: 'Starting', coldStart: 'spawn', reason: 'readiness probe failed' }));
    record(pod, report({ coldStart: 'spawn' }));
    expect(await coldStartSamples()).toEqual([
      'tide_cold_starts_total{namespace="default",function="hello",kind="spawn"} 1',
      'tide_cold_start_duration_seconds_count{namespace="default",function="hello",kind="spawn"} 1',
      'tide_cold_start_duration_seconds_sum{namespace="default",function="hello",kind="spawn"} 0.25',
    ]);
  });
});
