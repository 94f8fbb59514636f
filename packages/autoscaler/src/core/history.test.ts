import { describe, expect, it } from 'vitest';
import { encodeMetricsReport } from '@tide/core';
import { encodeDecisionRecord } from './decision-record.js';
import { historyOf, samplesOf } from './history.js';

const fn = { namespace: 'default', name: 'hello' };

describe('a function’s recorded history', () => {
  it('reads a gateway report as its share of the second, with what is in flight as waiting', () => {
    const report = {
      kind: 'gateway-load' as const,
      source: 'gw-1',
      at: 5_000,
      intervalMs: 400,
      samples: [{ ...fn, concurrency: 10, requests: 3, waiting: 1, inFlight: 6 }],
    };
    // 400 ms of 10 in flight is 4 for the second; 6 in flight at the end, 1 of them waiting for a pod
    expect(samplesOf(report)).toEqual([{ ...fn, sample: { at: 5_000, concurrency: 4, requests: 3, waiting: 6, source: 'gw-1' } }]);
  });

  it('keeps the function’s samples and decisions in offset order, and nothing else', () => {
    const decision = { source: 'as-1', ...fn, at: 6_000, afterOffset: 1, given: { replicas: 1, readyPods: 1, mode: 'stable' as const } };
    const records = [
      { offset: 2, value: encodeDecisionRecord(decision) },
      {
        offset: 0,
        value: encodeMetricsReport({
          kind: 'gateway-load',
          source: 'gw',
          at: 5_000,
          intervalMs: 1000,
          samples: [
            { ...fn, concurrency: 1, requests: 1, waiting: 0 },
            { namespace: 'default', name: 'other', concurrency: 9, requests: 9, waiting: 9 },
          ],
        }),
      },
      {
        offset: 1,
        value: encodeMetricsReport({ kind: 'pod-cpu', source: 'node-1', at: 5_500, intervalMs: 1000, samples: [{ ...fn, cpuMilli: 120, pods: 1 }] }),
      },
      { offset: 3, value: new TextEncoder().encode('not json') },
      { offset: 4, value: encodeDecisionRecord({ ...decision, name: 'other' }) },
    ];
    expect(historyOf(records, 'default', 'hello')).toEqual([
      { offset: 0, sample: { at: 5_000, concurrency: 1, requests: 1, waiting: 0, source: 'gw' } },
      { offset: 1, sample: { at: 5_500, concurrency: 0, requests: 0, cpuMilli: 120 } },
      { offset: 2, decision: { kind: 'autoscaler-decision', ...decision } },
    ]);
  });
});
