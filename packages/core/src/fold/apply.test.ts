import { describe, expect, it } from 'vitest';
import { DIGEST_B, foldAll, functionManifest } from '../testing/builders.js';
import { initialState } from '../state.js';
import { apply } from './apply.js';

const ns = { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } } as const;
const node = {
  type: 'NodeRegistered',
  data: { name: 'local', bootId: 'boot-1', address: '127.0.0.1', capacity: { memoryMb: 4096, cpuMilli: 2000, pods: 100 } },
} as const;
const hello = (spec = {}, expect?: number | null) =>
  ({
    type: 'FunctionApplied',
    data: { namespace: 'default', manifest: functionManifest('hello', spec) },
    ...(expect === undefined ? {} : { expect }),
  }) as const;

describe('apply (the fold)', () => {
  it('creates a function and its first revision, with resourceVersion = offset', () => {
    const { state, verdicts } = foldAll([ns, hello()]);
    expect(verdicts.every((v) => v.accepted)).toBe(true);
    const fn = state.functions.get('default/hello')!;
    expect(fn.metadata.resourceVersion).toBe('1');
    expect(fn.status.latestRevision).toBe('hello-00001');
    expect(state.revisions.get('default/hello-00001')?.spec.source.artifact).toBe(fn.spec.source.artifact);
  });

  it('rejects a function in a namespace that does not exist', () => {
    const { state, verdicts } = foldAll([hello()]);
    expect(verdicts[0]).toMatchObject({ accepted: false, code: 'not-found' });
    expect(state.functions.size).toBe(0);
  });

  it('makes a new revision only when the revision template changes', () => {
    const { state } = foldAll([
      ns,
      hello(),
      hello({ scale: { min: 2, max: 5, target: 10, metric: 'concurrency', scaleToZeroAfterSeconds: 30 } }),
      hello({ source: { artifact: DIGEST_B } }),
    ]);
    expect([...state.revisions.keys()].sort()).toEqual(['default/hello-00001', 'default/hello-00002']);
    expect(state.functions.get('default/hello')?.status.latestRevision).toBe('hello-00002');
    expect(state.functions.get('default/hello')?.metadata.generation).toBe(3);
  });

  it('accepts exactly one of two applies that expect the same resourceVersion', () => {
    const { verdicts, state } = foldAll([ns, hello(), hello({ env: { A: '1' } }, 1), hello({ env: { A: '2' } }, 1)]);
    expect(verdicts[2]!.accepted).toBe(true);
    expect(verdicts[3]).toMatchObject({ accepted: false, code: 'conflict' });
    expect(state.functions.get('default/hello')?.spec.env).toEqual({ A: '1' });
  });

  it('treats expect: null as "must not exist yet"', () => {
    const { verdicts } = foldAll([ns, hello({}, null), hello({}, null)]);
    expect(verdicts[1]!.accepted).toBe(true);
    expect(verdicts[2]).toMatchObject({ accepted: false, code: 'already-exists' });
  });

  it('rejects the second copy of an event id (a producer retry)', () => {
    const { verdicts } = foldAll([ns, { ...hello(), id: 'same' }, { ...hello({ env: { X: 'y' } }), id: 'same' }]);
    expect(verdicts[2]).toMatchObject({ accepted: false, code: 'duplicate' });
  });

  it('takes a pod from Pending through Bound and Ready to removal', () => {
    const pod = { namespace: 'default', name: 'hello-00001-abcde' };
    const { state, verdicts } = foldAll([
      ns,
      node,
      hello(),
      { type: 'PodCreated', data: { ...pod, revision: 'hello-00001' } },
      { type: 'PodBound', data: { ...pod, node: 'local' } },
      { type: 'PodStatusReported', data: { ...pod, node: 'local', bootId: 'boot-1', phase: 'Ready', endpoint: 'http://127.0.0.1:5000', restartCount: 0 } },
    ]);
    expect(verdicts.every((v) => v.accepted)).toBe(true);
    expect(state.pods.get('default/hello-00001-abcde')?.status).toMatchObject({ phase: 'Ready', endpoint: 'http://127.0.0.1:5000' });
    const { state: after } = foldAll(
      [
        { type: 'PodDeletionRequested', data: { ...pod, reason: 'function deleted' } },
        { type: 'PodStatusReported', data: { ...pod, node: 'local', bootId: 'boot-1', phase: 'Ready', endpoint: 'http://127.0.0.1:5000', restartCount: 0 } },
      ],
      state,
    );
    expect(after.pods.get('default/hello-00001-abcde')?.status.phase).toBe('Terminating');
    expect(after.pods.get('default/hello-00001-abcde')?.status.endpoint).toBeUndefined();
    const { state: gone } = foldAll([{ type: 'PodRemoved', data: { ...pod, node: 'local' } }], after);
    expect(gone.pods.size).toBe(0);
  });

  it('rejects reports from a stale node incarnation and resets pods when the node restarts', () => {
    const pod = { namespace: 'default', name: 'hello-00001-abcde' };
    const ready = {
      type: 'PodStatusReported',
      data: { ...pod, node: 'local', bootId: 'boot-1', phase: 'Ready', endpoint: 'http://127.0.0.1:5000', restartCount: 0 },
    } as const;
    const { state, verdicts } = foldAll([
      ns,
      node,
      hello(),
      { type: 'PodCreated', data: { ...pod, revision: 'hello-00001' } },
      { type: 'PodBound', data: { ...pod, node: 'local' } },
      ready,
      { ...node, data: { ...node.data, bootId: 'boot-2' } },
      ready,
    ]);
    expect(verdicts[7]).toMatchObject({ accepted: false, code: 'conflict' });
    expect(state.pods.get('default/hello-00001-abcde')?.status).toMatchObject({ phase: 'Bound' });
    expect(state.pods.get('default/hello-00001-abcde')?.status.endpoint).toBeUndefined();
  });

  it('records a scale decision made from the current replicas, and rejects a stale one', () => {
    const scale = (from: number, to: number) =>
      ({ type: 'ScaleSet', data: { namespace: 'default', name: 'hello', from, to, reason: `from ${from} to ${to}`, inputs: { concurrency: 12 } } }) as const;
    const { state, verdicts } = foldAll([ns, hello(), scale(1, 4), scale(1, 2), scale(4, 25)]);
    expect(verdicts.slice(2).map((v) => v.accepted)).toEqual([true, false, false]);
    expect(verdicts[3]).toMatchObject({ code: 'conflict' });
    expect(verdicts[4]).toMatchObject({ code: 'invalid' });
    expect(state.functions.get('default/hello')?.status.desiredReplicas).toBe(4);
    expect(state.functions.get('default/hello')?.status.recentScales).toEqual([{ time: expect.any(String), from: 1, to: 4, reason: 'from 1 to 4' }]);
  });

  it('starts a function at one replica, keeps decisions within a changed min..max, and starts a new revision with a pod', () => {
    const scale = (min: number, max: number) => ({ scale: { min, max, target: 10, metric: 'concurrency' as const, scaleToZeroAfterSeconds: 30 } });
    const zero = { type: 'ScaleSet', data: { namespace: 'default', name: 'hello', from: 1, to: 0, reason: 'idle', inputs: {} } } as const;
    const { state } = foldAll([ns, hello(scale(0, 5)), zero]);
    expect(state.functions.get('default/hello')?.status.desiredReplicas).toBe(0);
    expect(foldAll([hello(scale(2, 5))], state).state.functions.get('default/hello')?.status.desiredReplicas).toBe(2);
    expect(foldAll([hello({ ...scale(0, 5), env: { NEW: 'code' } })], state).state.functions.get('default/hello')?.status.desiredReplicas).toBe(1);
  });

  it('resolves traffic to revision names, and rejects traffic to a revision that does not exist', () => {
    const split = {
      traffic: [
        { revision: 'hello-00001', percent: 50, tag: 'old' },
        { latestRevision: true, percent: 50 },
      ],
    };
    const { state, verdicts } = foldAll([
      ns,
      hello(),
      hello({ source: { artifact: DIGEST_B }, ...split }),
      hello({ traffic: [{ revision: 'hello-00042', percent: 100 }] }),
    ]);
    expect(state.functions.get('default/hello')?.status.traffic).toEqual([
      { revision: 'hello-00001', percent: 50, tag: 'old' },
      { revision: 'hello-00002', percent: 50 },
    ]);
    expect(verdicts[3]).toMatchObject({ accepted: false, code: 'invalid', reason: expect.stringMatching(/hello-00042/) });
  });

  it('undoes a rollout with a new event: the previous revision runs again, and no revision is made', () => {
    const { state, verdicts } = foldAll([
      ns,
      hello({ env: { V: '1' } }),
      hello({ env: { V: '2' } }),
      { type: 'RolloutUndone', data: { namespace: 'default', name: 'hello' } },
    ]);
    expect(verdicts.every((v) => v.accepted)).toBe(true);
    const fn = state.functions.get('default/hello')!;
    expect(fn.status.latestRevision).toBe('hello-00001');
    expect(fn.spec.env).toEqual({ V: '1' });
    expect(fn.status.traffic).toEqual([{ revision: 'hello-00001', percent: 100 }]);
    expect(state.revisions.size).toBe(2);
    const { verdicts: again } = foldAll([{ type: 'RolloutUndone', data: { namespace: 'default', name: 'hello', revision: 'hello-00001' } }], state);
    expect(again[0]).toMatchObject({ accepted: false, code: 'conflict' });
  });

  it('keeps revisionHistoryLimit older revisions, and those traffic names', () => {
    const apply = (v: number, extra = {}) => hello({ env: { V: String(v) }, revisionHistoryLimit: 1, ...extra });
    const { state } = foldAll([
      ns,
      apply(1),
      apply(2),
      apply(3, {
        traffic: [
          { revision: 'hello-00001', percent: 10 },
          { latestRevision: true, percent: 90 },
        ],
      }),
      apply(4, {
        traffic: [
          { revision: 'hello-00001', percent: 10 },
          { latestRevision: true, percent: 90 },
        ],
      }),
    ]);
    expect([...state.revisions.keys()].sort()).toEqual(['default/hello-00001', 'default/hello-00003', 'default/hello-00004']);
  });

  it('evicts the pods of a node that lost its lease, and takes the node back when the same incarnation renews it', () => {
    const pod = { namespace: 'default', name: 'hello-00001-abcde' };
    const lease = (ready: boolean, bootId = 'boot-1') => ({ type: 'NodeReadinessChanged', data: { name: 'local', bootId, ready, reason: 'lease' } }) as const;
    const { state, verdicts } = foldAll([
      ns,
      node,
      hello(),
      { type: 'PodCreated', data: { ...pod, revision: 'hello-00001' } },
      { type: 'PodBound', data: { ...pod, node: 'local' } },
      lease(false),
      lease(false),
      lease(true, 'boot-0'),
      lease(true),
    ]);
    expect(verdicts.slice(5).map((v) => v.accepted)).toEqual([true, false, false, true]);
    expect(state.pods.size).toBe(0);
    expect(state.nodes.get('local')?.status.ready).toBe(true);
  });

  it('enforces namespace quotas: no function beyond maxFunctions, no pod beyond maxPods', () => {
    const quotaNs = { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {}, quota: { maxFunctions: 1, maxPods: 1 } } } as const;
    const other = { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('other') } } as const;
    const pod = (name: string) => ({ type: 'PodCreated', data: { namespace: 'default', name, revision: 'hello-00001' } }) as const;
    const { verdicts } = foldAll([quotaNs, hello(), other, pod('hello-00001-aaaaa'), pod('hello-00001-bbbbb')]);
    expect(verdicts.map((v) => (v.accepted ? 'ok' : v.code))).toEqual(['ok', 'ok', 'forbidden', 'ok', 'forbidden']);
    expect(verdicts[4]).toMatchObject({ reason: expect.stringMatching(/maxPods 1/) });
  });

  it('elects leaders epoch by epoch and rejects what a deposed leader writes', () => {
    const elect = (epoch: number, holder: string) => ({ type: 'LeaderElected', data: { role: 'controllers', epoch, holder } }) as const;
    const scale = (to: number, epoch: number) =>
      ({
        type: 'ScaleSet',
        data: { namespace: 'default', name: 'hello', from: 1, to, reason: 'x', inputs: {} },
        leader: { role: 'controllers', epoch },
      }) as const;
    const { state, verdicts } = foldAll([ns, hello(), elect(1, 'cp-a'), elect(1, 'cp-b'), elect(2, 'cp-b'), scale(3, 1), scale(2, 2)]);
    expect(verdicts.slice(2).map((v) => (v.accepted ? 'ok' : v.code))).toEqual(['ok', 'conflict', 'ok', 'conflict', 'ok']);
    expect(verdicts[5]).toMatchObject({ reason: expect.stringMatching(/stale controllers leader: epoch 1, current 2/) });
    expect(state.leaders).toEqual({ controllers: { epoch: 2, holder: 'cp-b', resourceVersion: '4' } });
    expect(state.functions.get('default/hello')?.status.desiredReplicas).toBe(2);
  });

  it('deleting a function removes its revisions', () => {
    const { state } = foldAll([ns, hello(), { type: 'FunctionDeleted', data: { namespace: 'default', name: 'hello' } }]);
    expect(state.functions.size).toBe(0);
    expect(state.revisions.size).toBe(0);
  });

  it('never mutates the state it is given', () => {
    const { state } = foldAll([ns]);
    const frozen = JSON.stringify(state);
    apply(state, { ...hello(), id: 'x', time: new Date(0).toISOString(), offset: 1 });
    expect(JSON.stringify(state)).toBe(frozen);
    expect(initialState.offset).toBe(-1);
  });
});
