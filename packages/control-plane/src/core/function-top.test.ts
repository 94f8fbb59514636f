import { describe, expect, it } from 'vitest';
import { latencyBucketOf, type FunctionLoad, type LoadReport } from '@tide/core';
import { foldAll, functionManifest } from '@tide/core/testing';
import { functionTop } from './function-top.js';

const NOW = 1_800_000_000_000;
const node = { name: 'local', bootId: 'b', address: '127.0.0.1', capacity: { memoryMb: 8192, cpuMilli: 4000, pods: 100 } };
const readyPod = (name: string) => [
  { type: 'PodCreated' as const, data: { namespace: 'default', name, revision: 'hello-00001' } },
  { type: 'PodBound' as const, data: { namespace: 'default', name, node: 'local' } },
  {
    type: 'PodStatusReported' as const,
    data: { namespace: 'default', name, node: 'local', bootId: 'b', phase: 'Ready' as const, endpoint: 'http://127.0.0.1:1', restartCount: 0 },
  },
];
const { state } = foldAll([
  { type: 'NamespaceApplied', data: { name: 'default' } },
  { type: 'NodeRegistered', data: node },
  { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { scale: { min: 0, max: 5 } }) } },
  { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('idle') } },
  { type: 'ScaleSet', data: { namespace: 'default', name: 'hello', from: 1, to: 2, reason: 'load' } },
  ...readyPod('hello-00001-aaaaa'),
  { type: 'PodCreated', data: { namespace: 'default', name: 'hello-00001-bbbbb', revision: 'hello-00001' } },
]);

function report(source: string, agoMs: number, load: Partial<FunctionLoad>): LoadReport {
  const sample = { namespace: 'default', name: 'hello', concurrency: 1, requests: 0, waiting: 0, ...load };
  return { kind: 'gateway-load', source, at: NOW - agoMs, intervalMs: 1000, samples: [sample] };
}
const top = (reports: LoadReport[]) =>
  functionTop({ functions: [...state.functions.values()], pods: [...state.pods.values()], reports, now: NOW, rateWindowMs: 5000, coldWindowMs: 60_000 });

describe('functionTop', () => {
  it('given no load, shows every function idle with its replicas', () => {
    expect(top([])).toEqual([
      { namespace: 'default', name: 'hello', requestsPerSecond: 0, errorsPerSecond: 0, inFlight: 0, desiredReplicas: 2, readyReplicas: 1, coldStarts: 0 },
      { namespace: 'default', name: 'idle', requestsPerSecond: 0, errorsPerSecond: 0, inFlight: 0, desiredReplicas: 1, readyReplicas: 0, coldStarts: 0 },
    ]);
  });

  it('given two gateways reporting each second, adds their requests over the 5 s window and their latest in flight', () => {
    const fast = { [latencyBucketOf(2)]: 10 };
    const reports = [0, 1000, 2000, 3000, 4000].flatMap((ago) => [
      report('gw-a', ago, { requests: 10, completed: 10, latencyBuckets: fast, inFlight: ago === 0 ? 3 : 9 }),
      report('gw-b', ago + 500, { requests: 20, completed: 20, errors: 1, latencyBuckets: fast, inFlight: 1 }),
    ]);
    const [hello] = top(reports);
    // gw-b's report 4.5 s ago is in; gw-a's 5 s ago would not be: (100 + 100 + 50 + ...) / 5 s
    expect(hello!.requestsPerSecond).toBe((5 * 10 + 5 * 20) / 5);
    expect(hello!.errorsPerSecond).toBe(1);
    expect(hello!.inFlight).toBe(3 + 1);
    expect(hello!.p50Ms).toBeGreaterThanOrEqual(2);
    expect(hello!.p50Ms).toBeLessThan(2.4);
  });

  it('given reports older than the rate window, shows no rate but still counts cold starts of the last minute', () => {
    const [hello] = top([report('gw-a', 30_000, { requests: 50, coldStarts: 2, inFlight: 4 }), report('gw-a', 61_000, { coldStarts: 7 })]);
    expect(hello).toMatchObject({ requestsPerSecond: 0, inFlight: 0, coldStarts: 2 });
    expect(hello!.p50Ms).toBeUndefined();
  });

  it('puts a slow tail of 2 % in p99 and not in p50; a tail of 1 % is not p99', () => {
    const buckets = { [latencyBucketOf(1)]: 980, [latencyBucketOf(500)]: 20 };
    const [onePercent] = top([report('gw-a', 0, { completed: 1000, latencyBuckets: { [latencyBucketOf(1)]: 990, [latencyBucketOf(500)]: 10 } })]);
    expect(onePercent!.p99Ms).toBeLessThan(1.2);
    const [hello] = top([report('gw-a', 0, { requests: 1000, completed: 1000, latencyBuckets: buckets })]);
    expect(hello!.p50Ms).toBeLessThan(1.2);
    expect(hello!.p99Ms).toBeGreaterThanOrEqual(500);
  });

  it('adds the samples of two revisions in one report, and ignores reports from the future', () => {
    const twoRevisions: LoadReport = {
      ...report('gw-a', 0, { inFlight: 2 }),
      samples: [...report('gw-a', 0, { inFlight: 2 }).samples, ...report('gw-a', 0, { inFlight: 5 }).samples],
    };
    expect(top([twoRevisions, report('gw-a', -5000, { inFlight: 100 })])[0]!.inFlight).toBe(7);
  });
});
