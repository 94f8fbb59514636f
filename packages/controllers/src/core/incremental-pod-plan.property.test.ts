import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { apply, FunctionManifest, initialState, type ClusterState, type EventEnvelope, type LoggedEvent } from '@tide/core';
import { planPods, type PodPlan } from './pod-plan.js';
import { incrementalPodPlan } from './incremental-pod-plan.js';

type Input = Omit<EventEnvelope, 'id' | 'time'>;

const nsName = fc.constantFrom('default', 'team-a');
const fnName = fc.constantFrom('hello', 'echo');
const podName = fc.constantFrom('hello-00001-aaaaa', 'hello-00001-ddddd', 'hello-00002-bbbbb', 'hello-00002-fffff', 'echo-00001-ccccc', 'echo-00001-eeeee');
const node = fc.constantFrom('n1', 'n2');
const bootId = fc.constantFrom('b1', 'b2');
const quota = fc.option(fc.record({ maxPods: fc.integer({ min: 1, max: 4 }), maxMemoryMb: fc.constantFrom(128, 256, 600) }, { requiredKeys: [] }), {
  nil: undefined,
  freq: 2,
});

const manifest = (name: string, artifact: string, min: number, max: number) =>
  FunctionManifest.parse({
    apiVersion: 'tide.dev/v1',
    kind: 'Function',
    metadata: { name },
    spec: { source: { artifact: `sha256:${artifact.repeat(64)}` }, resources: { memoryMb: 64 }, scale: { min, max } },
  });

/** Functions rolled out, scaled and deleted while their pods come and go, under quotas that change. */
const eventArb: fc.Arbitrary<Input> = fc.oneof(
  fc
    .record({ name: nsName, quota })
    .map(({ name, quota: q }) => ({ type: 'NamespaceApplied', data: { name, labels: {}, annotations: {}, ...(q ? { quota: q } : {}) } }) as Input),
  {
    weight: 2,
    arbitrary: fc
      .record({ namespace: nsName, name: fnName, artifact: fc.constantFrom('a', 'b'), min: fc.nat(2) })
      .map(({ namespace, name, artifact, min }) => ({ type: 'FunctionApplied', data: { namespace, manifest: manifest(name, artifact, min, 4) } }) as Input),
  },
  fc.record({ namespace: nsName, name: fnName }).map((d) => ({ type: 'FunctionDeleted', data: d }) as Input),
  fc
    .record({ namespace: nsName, name: fnName, to: fc.nat(4) })
    .map((d) => ({ type: 'ScaleSet', data: { ...d, from: 0, reason: 'test', inputs: {} } }) as Input),
  {
    weight: 4,
    arbitrary: fc.record({ namespace: nsName, name: podName }).map((d) => ({ type: 'PodCreated', data: { ...d, revision: d.name.slice(0, -6) } }) as Input),
  },
  { weight: 2, arbitrary: fc.record({ namespace: nsName, name: podName, node }).map((d) => ({ type: 'PodBound', data: d }) as Input) },
  {
    weight: 3,
    arbitrary: fc
      .record({ namespace: nsName, name: podName, node, bootId, phase: fc.constantFrom('Starting', 'Ready', 'Exited') })
      .map((d) => ({ type: 'PodStatusReported', data: { ...d, endpoint: 'http://127.0.0.1:1', restartCount: 0 } }) as Input),
  },
  fc.record({ namespace: nsName, name: podName }).map((d) => ({ type: 'PodDeletionRequested', data: { ...d, reason: 'test' } }) as Input),
  fc.record({ namespace: nsName, name: podName }).map((d) => ({ type: 'PodRemoved', data: d }) as Input),
  fc.record({ name: node, bootId }).map(
    (d) =>
      ({
        type: 'NodeRegistered',
        data: { ...d, address: '127.0.0.1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 }, labels: {}, taints: [] },
      }) as Input,
  ),
  fc.record({ name: node, bootId, ready: fc.boolean() }).map((d) => ({ type: 'NodeReadinessChanged', data: { ...d, reason: 'lease' } }) as Input),
);

const start: Input[] = [
  {
    type: 'NodeRegistered',
    data: { name: 'n1', bootId: 'b1', address: '127.0.0.1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 }, labels: {}, taints: [] },
  },
  { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
  { type: 'NamespaceApplied', data: { name: 'team-a', labels: {}, annotations: {}, quota: { maxPods: 2, maxMemoryMb: 256 } } },
] as Input[];

/** A plan as a comparable value: its entries, each as plain data, in one order. */
function normalized(plan: PodPlan) {
  return {
    create: plan.create.map((c) => JSON.stringify(c)).sort(),
    remove: plan.remove.map((r) => `${r.pod.metadata.namespace}/${r.pod.metadata.name} ${r.reason}`).sort(),
  };
}

describe('incrementalPodPlan', () => {
  it('plans what planPods plans, whenever it is asked, after any history', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(eventArb, fc.boolean()), { minLength: 10, maxLength: 80, size: 'max' }), (steps) => {
        const planner = incrementalPodPlan();
        let state: ClusterState = initialState;
        const fold = (e: Input, offset: number) => {
          const logged = { ...e, id: `e${offset}`, time: new Date(1_700_000_000_000 + offset * 1000).toISOString(), offset } as LoggedEvent;
          const before = state;
          state = apply(state, logged).state;
          planner.observe(before, state, logged);
        };
        start.forEach((e, i) => fold(e, i));
        steps.forEach(([e, ask], i) => {
          fold(e, start.length + i);
          if (ask) expect(normalized(planner.plan(state))).toEqual(normalized(planPods(state)));
        });
        expect(normalized(planner.plan(state))).toEqual(normalized(planPods(state)));
      }),
      { numRuns: 300 },
    );
  });
});
