import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIGEST_A, DIGEST_B, functionManifest } from '../testing/builders.js';
import { encodeSnapshot } from '../snapshot.js';
import type { EventEnvelope, LoggedEvent } from '../events.js';
import { initialState, type ClusterState, type Verdict } from '../state.js';
import { apply } from './apply.js';
import { countUsage, type UsageIndex } from './usage.js';

type Input = Omit<EventEnvelope, 'id' | 'time'>;

const nsName = fc.constantFrom('default', 'team-a');
const fnName = fc.constantFrom('hello', 'echo');
const podName = fc.constantFrom('hello-00001-aaaaa', 'hello-00001-ddddd', 'hello-00002-bbbbb', 'echo-00001-ccccc', 'echo-00001-eeeee');
const node = fc.constantFrom('n1', 'n2');
const bootId = fc.constantFrom('b1', 'b2');
const quota = fc.option(
  fc.record(
    { maxPods: fc.integer({ min: 1, max: 5 }), maxMemoryMb: fc.constantFrom(128, 256, 600), maxFunctions: fc.integer({ min: 1, max: 2 }) },
    { requiredKeys: [] },
  ),
  { nil: undefined, freq: 2 },
);

/** Histories that reach quotas both ways: pods and functions come and go in namespaces with and without them. */
const eventArb: fc.Arbitrary<Input> = fc.oneof(
  fc
    .record({ name: nsName, quota })
    .map(({ name, quota: q }) => ({ type: 'NamespaceApplied', data: { name, labels: {}, annotations: {}, ...(q ? { quota: q } : {}) } }) as Input),
  fc.record({ name: nsName }).map((d) => ({ type: 'NamespaceDeleted', data: d }) as Input),
  fc.record({ namespace: nsName, name: fnName, artifact: fc.constantFrom(DIGEST_A, DIGEST_B), min: fc.nat(1), memoryMb: fc.constantFrom(64, 128) }).map(
    ({ namespace, name, artifact, min, memoryMb }) =>
      ({
        type: 'FunctionApplied',
        data: {
          namespace,
          manifest: functionManifest(name, {
            source: { artifact },
            resources: { memoryMb, cpuMilli: 100 },
            scale: { min, max: 5, target: 10, metric: 'concurrency', scaleToZeroAfterSeconds: 30 },
          }),
        },
      }) as Input,
  ),
  fc.record({ namespace: nsName, name: fnName }).map((d) => ({ type: 'FunctionDeleted', data: d }) as Input),
  {
    weight: 4,
    arbitrary: fc.record({ namespace: nsName, name: podName }).map((d) => ({ type: 'PodCreated', data: { ...d, revision: d.name.slice(0, -6) } }) as Input),
  },
  { weight: 2, arbitrary: fc.record({ namespace: nsName, name: podName, node }).map((d) => ({ type: 'PodBound', data: d }) as Input) },
  fc
    .record({ namespace: nsName, name: podName, node, bootId, phase: fc.constantFrom('Starting', 'Ready', 'Exited') })
    .map((d) => ({ type: 'PodStatusReported', data: { ...d, endpoint: 'http://127.0.0.1:1', restartCount: 0 } }) as Input),
  fc.record({ namespace: nsName, name: podName }).map((d) => ({ type: 'PodDeletionRequested', data: { ...d, reason: 'test' } }) as Input),
  fc.record({ namespace: nsName, name: podName }).map((d) => ({ type: 'PodRemoved', data: d }) as Input),
  fc.record({ name: node, bootId }).map(
    (d) =>
      ({
        type: 'NodeRegistered',
        data: { ...d, address: '127.0.0.1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 }, labels: {}, taints: [] },
      }) as Input,
  ),
  fc.record({ name: node }).map((d) => ({ type: 'NodeDeleted', data: d }) as Input),
  fc.record({ name: node, bootId, ready: fc.boolean() }).map((d) => ({ type: 'NodeReadinessChanged', data: { ...d, reason: 'lease' } }) as Input),
);

/** Every history starts on the newest rules with a node to bind to and both namespaces, team-a with a quota. */
const start: Input[] = [
  ...[2, 3, 4].map((version) => ({ type: 'RulesVersionRaised', data: { version } }) as Input),
  {
    type: 'NodeRegistered',
    data: { name: 'n1', bootId: 'b1', address: '127.0.0.1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 }, labels: {}, taints: [] },
  },
  { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
  { type: 'NamespaceApplied', data: { name: 'team-a', labels: {}, annotations: {}, quota: { maxPods: 2, maxMemoryMb: 256, maxFunctions: 1 } } },
] as Input[];

function logged(e: Input, offset: number): LoggedEvent {
  return { ...e, id: `event-${offset}`, time: new Date(1_700_000_000_000 + offset * 1000).toISOString(), offset } as LoggedEvent;
}

/** Without the namespaces that use nothing, which the kept index may hold and a count never does. */
function inUse(index: UsageIndex | undefined): Record<string, unknown> {
  return Object.fromEntries([...(index ?? [])].filter(([, u]) => u.pods !== 0 || u.memoryMb !== 0 || u.functions !== 0));
}

describe('the usage the fold keeps', () => {
  it('equals a count of the pods and functions after every event, and judges quotas as counting would', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 20, maxLength: 100, size: 'max' }), fc.nat(100), (events, dropAt) => {
        let kept: ClusterState = initialState;
        let counted: ClusterState = initialState;
        const keptVerdicts: Verdict[] = [];
        const countedVerdicts: Verdict[] = [];
        [...start, ...events].forEach((e, offset) => {
          // As after a snapshot's load, once: the index is absent and must be counted again.
          if (offset === dropAt) kept = { ...kept, usage: undefined };
          const k = apply(kept, logged(e, offset));
          kept = k.state;
          keptVerdicts.push(k.verdict);
          // The reference: every quota judged on a fresh count of the whole state.
          const c = apply({ ...counted, usage: undefined }, logged(e, offset));
          counted = c.state;
          countedVerdicts.push(c.verdict);
          if (kept.usage !== undefined) expect(inUse(kept.usage)).toEqual(inUse(countUsage(kept)));
        });
        expect(keptVerdicts).toEqual(countedVerdicts);
        expect(encodeSnapshot(kept)).toEqual(encodeSnapshot(counted));
      }),
      { numRuns: 200 },
    );
  });
});
