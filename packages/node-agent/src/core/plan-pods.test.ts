import { describe, expect, it } from 'vitest';
import type { PodRunSpec } from '../pod-types.js';
import { planPods, type ObservedPod, type PodPlan } from './plan-pods.js';

function spec(name: string, overrides: Partial<PodRunSpec> = {}): PodRunSpec {
  return {
    name,
    namespace: 'default',
    functionName: 'hello',
    revision: 'hello-00001',
    artifactPath: '/artifacts/hello.mjs',
    env: {},
    memoryMb: 128,
    timeoutSeconds: 30,
    terminationGraceSeconds: 10,
    ...overrides,
  };
}

const NOW = 1_000_000;

describe('planPods', () => {
  const cases: Array<[string, PodRunSpec[], ObservedPod[], PodPlan]> = [
    ['nothing desired, nothing running: nothing to do', [], [], { actions: [] }],
    ['starts a desired pod that is not running', [spec('a')], [], { actions: [{ type: 'start', spec: spec('a') }] }],
    ['leaves a starting pod alone', [spec('a')], [{ name: 'a', phase: 'Starting' }], { actions: [] }],
    ['leaves a ready pod alone', [spec('a')], [{ name: 'a', phase: 'Ready' }], { actions: [] }],
    ['never restarts a pod because its spec changed under the same name', [spec('a', { memoryMb: 512 })], [{ name: 'a', phase: 'Ready' }], { actions: [] }],
    ['stops a ready pod that is no longer desired', [], [{ name: 'a', phase: 'Ready' }], { actions: [{ type: 'stop', pod: 'a' }] }],
    [
      'stops a pod waiting for back-off that is no longer desired',
      [],
      [{ name: 'a', phase: 'Exited', nextRestartAt: NOW + 5 }],
      { actions: [{ type: 'stop', pod: 'a' }] },
    ],
    ['does not stop a pod twice', [], [{ name: 'a', phase: 'Stopping' }], { actions: [] }],
    ['waits for a stopping pod to be gone before starting it again', [spec('a')], [{ name: 'a', phase: 'Stopping' }], { actions: [] }],
    [
      'restarts an exited pod whose back-off has ended',
      [spec('a')],
      [{ name: 'a', phase: 'Exited', nextRestartAt: NOW }],
      { actions: [{ type: 'restart', pod: 'a' }] },
    ],
    [
      'wakes at the end of the earliest back-off',
      [spec('a'), spec('b')],
      [
        { name: 'a', phase: 'Exited', nextRestartAt: NOW + 800 },
        { name: 'b', phase: 'Exited', nextRestartAt: NOW + 300 },
      ],
      { actions: [], wakeAt: NOW + 300 },
    ],
    ['does not restart an exited pod without a restart time', [spec('a')], [{ name: 'a', phase: 'Exited' }], { actions: [] }],
    [
      'starts the first of duplicate names only',
      [spec('a', { memoryMb: 1 }), spec('a', { memoryMb: 2 })],
      [],
      { actions: [{ type: 'start', spec: spec('a', { memoryMb: 1 }) }] },
    ],
    [
      'starts, stops and restarts in one pass',
      [spec('new'), spec('crashed')],
      [
        { name: 'crashed', phase: 'Exited', nextRestartAt: NOW - 1 },
        { name: 'old', phase: 'Ready' },
      ],
      {
        actions: [
          { type: 'start', spec: spec('new') },
          { type: 'restart', pod: 'crashed' },
          { type: 'stop', pod: 'old' },
        ],
      },
    ],
  ];

  it.each(cases)('%s', (_title, desired, observed, expected) => {
    expect(planPods(desired, observed, NOW)).toEqual(expected);
  });

  it('gives the same answer when asked twice (sync is idempotent)', () => {
    const desired = [spec('a')];
    const observed: ObservedPod[] = [{ name: 'a', phase: 'Ready' }];
    expect(planPods(desired, observed, NOW)).toEqual(planPods(desired, observed, NOW + 1));
  });
});
