import { describe, expect, it } from 'vitest';
import type { CpuReport } from '@tide/core';
import { foldAll, functionManifest } from '@tide/core/testing';
import { nodeTop } from './node-top.js';

const NOW = 1_800_000_000_000;
const capacity = { memoryMb: 8192, cpuMilli: 4000, pods: 100 };
const bound = (name: string, node: string, ready: boolean) => [
  { type: 'PodCreated' as const, data: { namespace: 'default', name, revision: 'hello-00001' } },
  { type: 'PodBound' as const, data: { namespace: 'default', name, node } },
  ...(ready
    ? [
        {
          type: 'PodStatusReported' as const,
          data: { namespace: 'default', name, node, bootId: 'b', phase: 'Ready' as const, endpoint: 'http://x', restartCount: 0 },
        },
      ]
    : []),
];
const { state } = foldAll([
  { type: 'NamespaceApplied', data: { name: 'default' } },
  { type: 'NodeRegistered', data: { name: 'node-b', bootId: 'b', address: '127.0.0.1', capacity } },
  { type: 'NodeRegistered', data: { name: 'node-a', bootId: 'b', address: '127.0.0.1', capacity } },
  { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { resources: { memoryMb: 128, cpuMilli: 250 } }) } },
  ...bound('hello-00001-aaaaa', 'node-a', true),
  ...bound('hello-00001-bbbbb', 'node-a', false),
  ...bound('hello-00001-ccccc', 'node-b', true),
]);
const cpu = (source: string, agoMs: number, cpuMilli: number): CpuReport => ({
  kind: 'pod-cpu',
  source,
  at: NOW - agoMs,
  intervalMs: 1000,
  samples: [{ namespace: 'default', name: 'hello', cpuMilli, pods: 1 }],
});
const top = (reports: CpuReport[]) => nodeTop({ nodes: [...state.nodes.values()], pods: [...state.pods.values()], reports, now: NOW, windowMs: 5000 });

describe('nodeTop', () => {
  it('adds what the pods bound to each node asked for, against its capacity', () => {
    expect(top([]).map(({ name, pods, cpuRequestedMilli, memoryRequestedMb }) => ({ name, pods, cpuRequestedMilli, memoryRequestedMb }))).toEqual([
      { name: 'node-a', pods: 2, cpuRequestedMilli: 500, memoryRequestedMb: 256 },
      { name: 'node-b', pods: 1, cpuRequestedMilli: 250, memoryRequestedMb: 128 },
    ]);
    expect(top([])[0]).toMatchObject({ ready: true, podCapacity: 100, cpuCapacityMilli: 4000, memoryCapacityMb: 8192 });
  });

  it('takes CPU used from the latest recent report of each node, and says nothing when there is none', () => {
    const rows = top([cpu('node-a', 3000, 900), cpu('node-a', 1000, 120), cpu('node-b', 6000, 50)]);
    expect(rows[0]!.cpuUsedMilli).toBe(120);
    expect(rows[1]!.cpuUsedMilli).toBeUndefined();
  });
});
