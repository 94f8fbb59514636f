import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIGEST_A, DIGEST_B, foldAll, functionManifest } from '../testing/builders.js';
import { decodeSnapshot, encodeSnapshot } from '../snapshot.js';
import type { EventEnvelope } from '../events.js';
import { testRuleBook } from '../testing/rule-book.js';
import { initialState } from '../state.js';

type Input = Omit<EventEnvelope, 'id' | 'time'> & { id?: string };

const nsName = fc.constantFrom('default', 'team-a');
const fnName = fc.constantFrom('hello', 'echo');
const podName = fc.constantFrom('hello-00001-aaaaa', 'hello-00002-bbbbb', 'echo-00001-ccccc');
const expectArb = fc.option(fc.oneof(fc.constant(null), fc.nat(40)), { nil: undefined });

const eventArb: fc.Arbitrary<Input> = fc.oneof(
  fc.record({ name: nsName }).map((d) => ({ type: 'NamespaceApplied', data: { ...d, labels: {}, annotations: {} } }) as Input),
  fc.record({ name: nsName }).map((d) => ({ type: 'NamespaceDeleted', data: d }) as Input),
  fc.record({ namespace: nsName, name: fnName, artifact: fc.constantFrom(DIGEST_A, DIGEST_B), min: fc.nat(3), expect: expectArb }).map(
    ({ namespace, name, artifact, min, expect }) =>
      ({
        type: 'FunctionApplied',
        data: {
          namespace,
          manifest: functionManifest(name, { source: { artifact }, scale: { min, max: 5, target: 10, metric: 'concurrency', scaleToZeroAfterSeconds: 30 } }),
        },
        ...(expect === undefined ? {} : { expect }),
      }) as Input,
  ),
  fc.record({ namespace: nsName, name: fnName }).map((d) => ({ type: 'FunctionDeleted', data: d }) as Input),
  fc
    .record({ namespace: nsName, name: fnName, from: fc.nat(3), to: fc.nat(6) })
    .map((d) => ({ type: 'ScaleSet', data: { ...d, reason: 'test', inputs: {} } }) as Input),
  fc.record({ namespace: nsName, name: podName }).map((d) => ({ type: 'PodCreated', data: { ...d, revision: d.name.slice(0, -6) } }) as Input),
  fc.record({ namespace: nsName, name: podName, node: fc.constantFrom('n1', 'n2') }).map((d) => ({ type: 'PodBound', data: d }) as Input),
  fc
    .record({
      namespace: nsName,
      name: podName,
      node: fc.constantFrom('n1', 'n2'),
      bootId: fc.constantFrom('b1', 'b2'),
      phase: fc.constantFrom('Starting', 'Ready', 'Exited'),
    })
    .map((d) => ({ type: 'PodStatusReported', data: { ...d, endpoint: 'http://127.0.0.1:1', restartCount: 0 } }) as Input),
  fc.record({ namespace: nsName, name: podName }).map((d) => ({ type: 'PodDeletionRequested', data: { ...d, reason: 'test' } }) as Input),
  fc.record({ namespace: nsName, name: podName }).map((d) => ({ type: 'PodRemoved', data: d }) as Input),
  fc.record({ name: fc.constantFrom('n1', 'n2'), bootId: fc.constantFrom('b1', 'b2') }).map(
    (d) =>
      ({
        type: 'NodeRegistered',
        data: { ...d, address: '127.0.0.1', capacity: { memoryMb: 1024, cpuMilli: 1000, pods: 10 }, labels: {}, taints: [] },
      }) as Input,
  ),
  fc.record({ name: fc.constantFrom('n1', 'n2'), unschedulable: fc.boolean() }).map((d) => ({ type: 'NodeCordoned', data: d }) as Input),
  fc.record({ name: fc.constantFrom('n1', 'n2') }).map((d) => ({ type: 'NodeDeleted', data: d }) as Input),
  fc
    .record({ epoch: fc.integer({ min: 1, max: 3 }), holder: fc.constantFrom('a', 'b') })
    .map((d) => ({ type: 'LeaderElected', data: { role: 'controllers', ...d } }) as Input),
  fc
    .record({ namespace: nsName, name: fnName, to: fc.nat(4), epoch: fc.integer({ min: 1, max: 3 }) })
    .map(({ epoch, ...d }) => ({ type: 'ScaleSet', data: { ...d, from: 1, reason: 'leader', inputs: {} }, leader: { role: 'controllers', epoch } }) as Input),
  fc
    .record({ name: fc.constantFrom('n1', 'n2'), bootId: fc.constantFrom('b1', 'b2'), ready: fc.boolean() })
    .map((d) => ({ type: 'NodeReadinessChanged', data: { ...d, reason: 'lease' } }) as Input),
  fc.record({ namespace: nsName, name: podName }).map((d) => ({ type: 'PodUnschedulable', data: { ...d, reasons: ['node n1: full'] } }) as Input),
);

/** Raises to the next version (2), and to one that is never next (4): rejected by every build. */
const raiseArb: fc.Arbitrary<Input> = fc.constantFrom(2, 4).map((version) => ({ type: 'RulesVersionRaised', data: { version } }) as Input);

describe('replay from a snapshot', () => {
  it('yields the same state as replaying from zero, for any sequence and any snapshot point', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 60 }), fc.nat(), (events, cut) => {
        const at = cut % (events.length + 1);
        const whole = foldAll(events);
        const head = foldAll(events.slice(0, at));
        const restored = decodeSnapshot(encodeSnapshot(head.state));
        const tail = foldAll(events.slice(at), restored);
        expect(encodeSnapshot(tail.state)).toEqual(encodeSnapshot(whole.state));
        expect(tail.verdicts).toEqual(whole.verdicts.slice(at));
      }),
      { numRuns: 300 },
    );
  });

  it('judges every event the same way on every replay', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        expect(foldAll(events).verdicts).toEqual(foldAll(events).verdicts);
      }),
      { numRuns: 100 },
    );
  });

  it('yields the same state across a switch of rules versions, for any sequence and any snapshot point', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ arbitrary: eventArb, weight: 10 }, { arbitrary: raiseArb, weight: 1 }), { minLength: 1, maxLength: 60 }),
        fc.nat(),
        (events, cut) => {
          const at = cut % (events.length + 1);
          const whole = foldAll(events, initialState, testRuleBook);
          const head = foldAll(events.slice(0, at), initialState, testRuleBook);
          const tail = foldAll(events.slice(at), decodeSnapshot(encodeSnapshot(head.state)), testRuleBook);
          expect(encodeSnapshot(tail.state)).toEqual(encodeSnapshot(whole.state));
          expect(tail.verdicts).toEqual(whole.verdicts.slice(at));
        },
      ),
      { numRuns: 300 },
    );
  });
});
