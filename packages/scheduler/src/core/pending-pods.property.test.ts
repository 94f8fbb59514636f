import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { apply, FunctionManifest, initialState, type ClusterState, type EventEnvelope, type LoggedEvent } from '@tide/core';
import { isPending } from './assign.js';
import { pendingPods } from './pending-pods.js';

type Input = Omit<EventEnvelope, 'id' | 'time'>;

const podName = fc.constantFrom('hello-00001-aaaaa', 'hello-00001-bbbbb', 'hello-00001-ccccc');
const node = fc.constantFrom('n1', 'n2');
const bootId = fc.constantFrom('b1', 'b2');
const registered = (name: string, boot: string) =>
  ({
    type: 'NodeRegistered',
    data: { name, bootId: boot, address: '127.0.0.1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 }, labels: {}, taints: [] },
  }) as Input;

/** Pods created, bound, reported, deleted and removed, while their nodes restart and come and go. */
const eventArb: fc.Arbitrary<Input> = fc.oneof(
  { weight: 3, arbitrary: podName.map((name) => ({ type: 'PodCreated', data: { namespace: 'default', name, revision: 'hello-00001' } }) as Input) },
  { weight: 3, arbitrary: fc.record({ name: podName, node }).map((d) => ({ type: 'PodBound', data: { namespace: 'default', ...d } }) as Input) },
  fc
    .record({ name: podName, node, bootId, phase: fc.constantFrom('Starting', 'Ready', 'Exited') })
    .map((d) => ({ type: 'PodStatusReported', data: { namespace: 'default', ...d, endpoint: 'http://127.0.0.1:1', restartCount: 0 } }) as Input),
  podName.map((name) => ({ type: 'PodDeletionRequested', data: { namespace: 'default', name, reason: 'test' } }) as Input),
  podName.map((name) => ({ type: 'PodRemoved', data: { namespace: 'default', name } }) as Input),
  podName.map((name) => ({ type: 'PodUnschedulable', data: { namespace: 'default', name, reasons: ['node n1: full'] } }) as Input),
  fc.record({ name: node, bootId }).map((d) => registered(d.name, d.bootId)),
  fc.record({ name: node, bootId, ready: fc.boolean() }).map((d) => ({ type: 'NodeReadinessChanged', data: { ...d, reason: 'lease' } }) as Input),
);

const start: Input[] = [
  { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
  registered('n1', 'b1'),
  {
    type: 'FunctionApplied',
    data: {
      namespace: 'default',
      manifest: FunctionManifest.parse({
        apiVersion: 'tide.dev/v1',
        kind: 'Function',
        metadata: { name: 'hello' },
        spec: { source: { artifact: `sha256:${'a'.repeat(64)}` } },
      }),
    },
  },
] as Input[];

describe('pendingPods', () => {
  it('says whether a pod is Pending as reading every pod would, after every event', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 10, maxLength: 60, size: 'max' }), (events) => {
        const pending = pendingPods();
        let state: ClusterState = initialState;
        pending.any(state);
        [...start, ...events].forEach((e, offset) => {
          const logged = { ...e, id: `e${offset}`, time: new Date(1_700_000_000_000 + offset * 1000).toISOString(), offset } as LoggedEvent;
          const before = state;
          state = apply(state, logged).state;
          pending.observe(before, state, logged);
          expect(pending.any(state)).toBe([...state.pods.values()].some(isPending));
        });
      }),
      { numRuns: 300 },
    );
  });
});
