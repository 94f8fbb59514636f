import { describe, expect, it } from 'vitest';
import type { Pod, TideNode } from '@tide/core';
import { schedule } from './schedule.js';

const node = (name: string, memoryMb = 1024, ready = true): TideNode => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Node',
  metadata: { name, labels: {}, annotations: {}, uid: name, resourceVersion: '0', generation: 1, creationTimestamp: '' },
  spec: { capacity: { memoryMb, cpuMilli: 4000, pods: 10 }, address: '127.0.0.1', taints: [], unschedulable: false },
  status: { ready, bootId: 'b' },
});
const pod = (name: string, memoryMb = 128, nodeName?: string, fn = 'hello'): Pod => ({
  apiVersion: 'tide.dev/v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: {}, annotations: {}, uid: name, resourceVersion: '1', generation: 1, creationTimestamp: '' },
  spec: {
    function: fn,
    revision: `${fn}-00001`,
    source: { artifact: 'sha256:x' },
    env: {},
    resources: { memoryMb, cpuMilli: 100 },
    concurrency: 10,
    timeoutSeconds: 30,
    nodeSelector: {},
    tolerations: [],
    terminationGraceSeconds: 30,
    ...(nodeName ? { node: nodeName } : {}),
  },
  status: { phase: nodeName ? 'Ready' : 'Pending', restartCount: 0 },
});

describe('schedule', () => {
  it.each([
    ['the only ready node', [node('a'), node('b', 1024, false)], [], 'a'],
    ['the node with fewer pods of the same function', [node('a'), node('b')], [pod('p1', 128, 'a')], 'b'],
    ['the least allocated node when spread is equal', [node('a'), node('b')], [pod('p1', 512, 'a', 'other')], 'b'],
  ])('picks %s', (_what, nodes, bound, expected) => {
    expect(schedule(pod('new'), nodes, bound)).toEqual({ node: expected });
  });

  it('says why nothing fits', () => {
    const result = schedule(pod('big', 4096), [node('a'), node('b', 1024, false)], []);
    expect(result.node).toBeUndefined();
    expect(result).toMatchObject({ reasons: ['node a: insufficient memory (1024 MB free, 4096 MB asked)', 'node b: not ready'] });
  });

  it('never over-commits memory', () => {
    const bound = [pod('p1', 900, 'a')];
    expect(schedule(pod('new', 200), [node('a')], bound).node).toBeUndefined();
  });
});
