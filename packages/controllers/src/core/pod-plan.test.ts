import { describe, expect, it } from 'vitest';
import { apply, FunctionManifest, initialState, type ClusterState, type EventEnvelope } from '@tide/core';
import { planPods } from './pod-plan.js';

let offset = 0;
function given(events: Omit<EventEnvelope, 'id' | 'time'>[], from: ClusterState = initialState): ClusterState {
  return events.reduce(
    (state, e) => apply(state, { ...e, id: `e${offset}`, time: new Date(offset * 1000).toISOString(), offset: offset++ } as never).state,
    from,
  );
}
const fn = (min: number, artifact = 'a') => ({
  type: 'FunctionApplied' as const,
  data: {
    namespace: 'default',
    manifest: FunctionManifest.parse({
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name: 'hello' },
      spec: { source: { artifact: `sha256:${artifact.repeat(64)}` }, scale: { min } },
    }),
  },
});
const setup = [
  { type: 'NamespaceApplied' as const, data: { name: 'default', labels: {}, annotations: {} } },
  { type: 'NodeRegistered' as const, data: { name: 'local', bootId: 'b', address: '127.0.0.1', capacity: { memoryMb: 8192, cpuMilli: 4000, pods: 100 } } },
];
const pod = (name: string, revision: string) => ({ type: 'PodCreated' as const, data: { namespace: 'default', name, revision } });
const ready = (name: string) => [
  { type: 'PodBound' as const, data: { namespace: 'default', name, node: 'local' } },
  {
    type: 'PodStatusReported' as const,
    data: { namespace: 'default', name, node: 'local', bootId: 'b', phase: 'Ready' as const, endpoint: 'http://127.0.0.1:1', restartCount: 0 },
  },
];

describe('planPods', () => {
  it('given a new function with min 0, when planned, then it asks for one pod of the latest revision', () => {
    expect(planPods(given([...setup, fn(0)])).create).toMatchObject([{ namespace: 'default', revision: 'hello-00001', count: 1 }]);
  });

  it('given enough pods, when planned, then it does nothing', () => {
    const plan = planPods(given([...setup, fn(2), pod('hello-00001-aaaaa', 'hello-00001'), pod('hello-00001-bbbbb', 'hello-00001')]));
    expect(plan).toEqual({ create: [], remove: [] });
  });

  it('given too many pods, when planned, then it removes the ones that serve nothing first', () => {
    const state = given([
      ...setup,
      fn(2),
      pod('hello-00001-aaaaa', 'hello-00001'),
      ...ready('hello-00001-aaaaa'),
      pod('hello-00001-bbbbb', 'hello-00001'),
      ...ready('hello-00001-bbbbb'),
      pod('hello-00001-ccccc', 'hello-00001'),
      fn(1),
      { type: 'ScaleSet', data: { namespace: 'default', name: 'hello', from: 2, to: 1, reason: 'less load', inputs: {} } },
    ]);
    const plan = planPods(state);
    expect(plan.remove.map((r) => r.pod.metadata.name)).toEqual(['hello-00001-ccccc', 'hello-00001-bbbbb']);
  });

  it('given a new revision, when its pods are not ready yet, then the old pods keep serving', () => {
    const state = given([
      ...setup,
      fn(1),
      pod('hello-00001-aaaaa', 'hello-00001'),
      ...ready('hello-00001-aaaaa'),
      fn(1, 'b'),
      pod('hello-00002-aaaaa', 'hello-00002'),
    ]);
    expect(planPods(state)).toEqual({ create: [], remove: [] });
    const next = given(ready('hello-00002-aaaaa'), state);
    expect(planPods(next).remove.map((r) => [r.pod.metadata.name, r.reason])).toEqual([['hello-00001-aaaaa', 'replaced by revision hello-00002']]);
  });

  describe('given a latest revision whose pods never became ready', () => {
    const exited = (name: string, restartCount: number) => ({
      type: 'PodStatusReported' as const,
      data: {
        namespace: 'default',
        name,
        node: 'local',
        bootId: 'b',
        phase: 'Exited' as const,
        reason: 'import failed: Error: boom',
        exitCode: 1,
        nextRestartAt: 1,
        restartCount,
      },
    });
    const failing = () =>
      given([
        ...setup,
        fn(1),
        pod('hello-00001-aaaaa', 'hello-00001'),
        ...ready('hello-00001-aaaaa'),
        fn(1, 'b'),
        pod('hello-00002-aaaaa', 'hello-00002'),
        { type: 'PodBound' as const, data: { namespace: 'default', name: 'hello-00002-aaaaa', node: 'local' } },
        exited('hello-00002-aaaaa', 1),
      ]);

    it("when the previous revision's only pod exits, then it is kept for its node to restart, not removed", () => {
      const state = given([exited('hello-00001-aaaaa', 0)], failing());
      expect(planPods(state)).toEqual({ create: [], remove: [] });
    });

    it('when scaled up, then the previous revision that still serves gets the pods', () => {
      const state = given([{ type: 'ScaleSet', data: { namespace: 'default', name: 'hello', from: 1, to: 3, reason: 'load', inputs: {} } }], failing());
      expect(planPods(state)).toMatchObject({ create: [{ namespace: 'default', revision: 'hello-00001', count: 2 }], remove: [] });
    });

    it('when it becomes ready, then the previous revision is replaced as usual', () => {
      const state = given(
        [
          {
            type: 'PodStatusReported',
            data: {
              namespace: 'default',
              name: 'hello-00002-aaaaa',
              node: 'local',
              bootId: 'b',
              phase: 'Ready',
              endpoint: 'http://127.0.0.1:2',
              restartCount: 2,
            },
          },
        ],
        failing(),
      );
      expect(planPods(state).remove.map((r) => [r.pod.metadata.name, r.reason])).toEqual([['hello-00001-aaaaa', 'replaced by revision hello-00002']]);
    });
  });

  it('given a previous revision whose pods crash-loop, when a new revision is deployed, then the crash-looping pods go at once', () => {
    const state = given([
      ...setup,
      fn(1),
      pod('hello-00001-aaaaa', 'hello-00001'),
      { type: 'PodBound', data: { namespace: 'default', name: 'hello-00001-aaaaa', node: 'local' } },
      {
        type: 'PodStatusReported',
        data: {
          namespace: 'default',
          name: 'hello-00001-aaaaa',
          node: 'local',
          bootId: 'b',
          phase: 'Exited',
          reason: 'import failed: Error: boom',
          nextRestartAt: 1,
          restartCount: 1,
        },
      },
      fn(1, 'b'),
    ]);
    const plan = planPods(state);
    expect(plan.remove.map((r) => [r.pod.metadata.name, r.reason])).toEqual([['hello-00001-aaaaa', 'replaced by revision hello-00002']]);
    expect(plan.create).toMatchObject([{ namespace: 'default', revision: 'hello-00002', count: 1 }]);
  });

  it('given several revisions in flight, when planned, then older pods that serve nothing go and the newest Ready one stays', () => {
    const state = given([
      ...setup,
      fn(1),
      pod('hello-00001-aaaaa', 'hello-00001'),
      ...ready('hello-00001-aaaaa'),
      fn(1, 'b'),
      pod('hello-00002-aaaaa', 'hello-00002'),
      ...ready('hello-00002-aaaaa'),
      fn(1, 'c'),
      pod('hello-00003-aaaaa', 'hello-00003'),
      fn(1, 'd'),
    ]);
    const plan = planPods(state);
    expect(plan.remove.map((r) => r.pod.metadata.name).sort()).toEqual(['hello-00001-aaaaa', 'hello-00003-aaaaa']);
    // Three pods live, one wanted, one of surge: the new pod waits for room.
    expect(plan.create).toMatchObject([]);
  });

  it('given a rolling update of 4 pods with maxSurge 1 and maxUnavailable 0, then it replaces them one at a time', () => {
    const rollingFn = (artifact: string) => ({
      type: 'FunctionApplied' as const,
      data: {
        namespace: 'default',
        manifest: FunctionManifest.parse({
          apiVersion: 'tide.dev/v1',
          kind: 'Function',
          metadata: { name: 'hello' },
          spec: { source: { artifact: `sha256:${artifact.repeat(64)}` }, scale: { min: 4 }, rollout: { maxSurge: 1, maxUnavailable: 0 } },
        }),
      },
    });
    const old = ['a', 'b', 'c', 'd'].map((x) => `hello-00001-${x.repeat(5)}`);
    let state = given([...setup, rollingFn('a'), ...old.flatMap((name) => [pod(name, 'hello-00001'), ...ready(name)]), rollingFn('b')]);
    expect(planPods(state)).toMatchObject({ create: [{ revision: 'hello-00002', count: 1 }], remove: [] });
    state = given([pod('hello-00002-aaaaa', 'hello-00002')], state);
    expect(planPods(state)).toEqual({ create: [], remove: [] });
    state = given(ready('hello-00002-aaaaa'), state);
    expect(planPods(state).remove.map((r) => r.pod.metadata.name)).toEqual(['hello-00001-aaaaa']);
  });

  it('given a 50/50 split with a tag, when planned, then each revision gets its share', () => {
    const split = {
      type: 'FunctionApplied' as const,
      data: {
        namespace: 'default',
        manifest: FunctionManifest.parse({
          apiVersion: 'tide.dev/v1',
          kind: 'Function',
          metadata: { name: 'hello' },
          spec: {
            source: { artifact: `sha256:${'b'.repeat(64)}` },
            scale: { min: 4 },
            traffic: [
              { revision: 'hello-00001', percent: 50, tag: 'blue' },
              { latestRevision: true, percent: 50, tag: 'green' },
            ],
          },
        }),
      },
    };
    const state = given([...setup, fn(4), split]);
    expect(planPods(state).create).toMatchObject([
      { namespace: 'default', revision: 'hello-00001', count: 2 },
      { namespace: 'default', revision: 'hello-00002', count: 2 },
    ]);
  });

  it('given a scale decision, when planned, then it follows the decided replicas, down to zero', () => {
    const base = given([...setup, fn(0), pod('hello-00001-aaaaa', 'hello-00001'), ...ready('hello-00001-aaaaa')]);
    const up = given([{ type: 'ScaleSet', data: { namespace: 'default', name: 'hello', from: 1, to: 3, reason: 'load', inputs: {} } }], base);
    expect(planPods(up).create).toMatchObject([{ namespace: 'default', revision: 'hello-00001', count: 2 }]);
    // The pods name the decision that asked for them: the ScaleSet, the function's last change.
    expect(planPods(up).create[0]!.causeOffset).toBe(offset - 1);
    expect(Number(up.functions.get('default/hello')!.metadata.resourceVersion)).toBe(offset - 1);
    const zero = given([{ type: 'ScaleSet', data: { namespace: 'default', name: 'hello', from: 1, to: 0, reason: 'idle', inputs: {} } }], base);
    expect(planPods(zero).remove.map((r) => r.pod.metadata.name)).toEqual(['hello-00001-aaaaa']);
  });

  it('given a deleted function, when planned, then its pods are removed', () => {
    const state = given([...setup, fn(1), pod('hello-00001-aaaaa', 'hello-00001'), { type: 'FunctionDeleted', data: { namespace: 'default', name: 'hello' } }]);
    expect(planPods(state).remove.map((r) => r.reason)).toEqual(['function deleted']);
  });
});
