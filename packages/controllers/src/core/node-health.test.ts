import { describe, expect, it } from 'vitest';
import type { TideNode } from '@tide/core';
import { readinessChanges } from './node-health.js';

const node = (name: string, ready: boolean, bootId = 'b1'): TideNode => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Node',
  metadata: { name, labels: {}, annotations: {}, uid: name, resourceVersion: '7', generation: 1, creationTimestamp: '' },
  spec: { capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 }, address: '127.0.0.1', taints: [], unschedulable: false },
  status: { ready, bootId },
});

describe('readinessChanges (grace 10 s, controller started at t=0)', () => {
  it.each([
    ['a ready node heard from 9 s ago stays ready', [node('n1', true)], [['n1', 'b1', 1000]], 10_000, []],
    ['a ready node silent for 10.5 s is not ready', [node('n1', true)], [['n1', 'b1', 0]], 10_500, [{ name: 'n1', ready: false }]],
    ['a node never heard from gets grace from the start', [node('n1', true)], [], 9_000, []],
    ['a node heard from only in an older incarnation is silent', [node('n1', true, 'b2')], [['n1', 'b1', 20_000]], 20_000, [{ name: 'n1', ready: false }]],
    ['a not-ready node heard from again is ready', [node('n1', false)], [['n1', 'b1', 19_000]], 20_000, [{ name: 'n1', ready: true }]],
  ] as const)('%s', (_what, nodes, seen, now, expected) => {
    const lastSeen = new Map(seen.map(([name, bootId, at]) => [name, { bootId, at }]));
    expect(readinessChanges(nodes, lastSeen, now, 10_000, 0)).toEqual(expected.map((e) => expect.objectContaining(e)));
  });
});
