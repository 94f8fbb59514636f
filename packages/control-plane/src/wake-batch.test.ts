import { describe, expect, it } from 'vitest';
import { foldAll, functionManifest } from '@tide/core/testing';
import type { EventEnvelope, EventInput } from '@tide/core';
import { planPods } from '@tide/controllers';
import { assignPending, defaultPlugins } from '@tide/scheduler';
import { podChangeEvents } from '@tide/controllers';
import { bindingsAhead, wakeBatch } from './wake-batch.js';

const node = (name: string): Omit<EventEnvelope, 'id' | 'time'> => ({
  type: 'NodeRegistered',
  data: { name, bootId: `${name}-boot`, address: '127.0.0.1', capacity: { memoryMb: 4096, cpuMilli: 4000, pods: 10 }, labels: {}, taints: [] },
});
/** hello deployed with min 0 and scaled to zero, on nodes `nodes`. */
const atZero = (nodes: string[]) =>
  foldAll([
    { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
    ...nodes.map(node),
    { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { scale: { min: 0, max: 3 } }) } },
    { type: 'ScaleSet', data: { namespace: 'default', name: 'hello', from: 1, to: 0, reason: 'idle', inputs: {} } },
  ]).state;
const wake = (to: number): EventInput => ({ type: 'ScaleSet', data: { namespace: 'default', name: 'hello', from: 0, to, reason: 'wake', inputs: {} } });
let suffix = 0;
const plan = wakeBatch({ plugins: defaultPlugins, now: () => 1_700_000_000_000, newSuffix: () => `p${suffix++}` });

describe('a wake from zero as one batch', () => {
  it('creates and binds the pods the scale decision asks for, each accepted where it lands after the ScaleSet', () => {
    const state = atZero(['a', 'b']);
    const batch = plan(state, wake(2));
    expect(batch.map((e) => e.type)).toEqual(['PodCreated', 'PodCreated', 'PodBound', 'PodBound']);
    const after = foldAll([wake(2), ...batch] as Omit<EventEnvelope, 'id' | 'time'>[], state);
    expect(after.verdicts.every((v) => v.accepted)).toBe(true);
    const pods = [...after.state.pods.values()];
    expect(pods.map((p) => p.status.phase)).toEqual(['Bound', 'Bound']);
    // Spread over both nodes, as the scheduler's own pass places them.
    expect(new Set(pods.map((p) => p.spec.node))).toEqual(new Set(['a', 'b']));
    // What the revision controller and the scheduler would do next: nothing.
    expect(planPods(after.state).create).toEqual([]);
    expect(assignPending(after.state, defaultPlugins).bindings).toEqual([]);
  });

  it('leaves a binding to the scheduler when another write lands between (its pod has another version)', () => {
    const state = atZero(['a']);
    const batch = plan(state, wake(1));
    const other = { type: 'NamespaceApplied' as const, data: { name: 'other', labels: {}, annotations: {} } };
    const after = foldAll([other, wake(1), ...batch] as Omit<EventEnvelope, 'id' | 'time'>[], state);
    expect(after.verdicts.map((v) => v.accepted)).toEqual([true, true, true, false]);
    expect([...after.state.pods.values()].map((p) => p.status.phase)).toEqual(['Pending']);
  });

  it('adds nothing to a ScaleSet the fold would reject, or where no node can take the pods', () => {
    expect(plan(atZero(['a']), { ...wake(1), data: { ...wake(1).data, from: 3 } } as EventInput)).toEqual([]);
    expect(plan(atZero([]), wake(1)).map((e) => e.type)).toEqual(['PodCreated']);
  });
});

describe("a deploy's pods bound in the batch that creates them", () => {
  it('binds every pod the revision controller creates, so the scheduler has nothing left to do', () => {
    const { state } = foldAll([
      { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
      node('a'),
      node('b'),
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { scale: { min: 2, max: 3 } }) } },
    ]);
    const changes = podChangeEvents(state, () => `q${suffix++}`);
    const bound = bindingsAhead({ plugins: defaultPlugins, now: () => 1_700_000_000_000 })(state, changes);
    expect(bound.map((e) => e.type)).toEqual(['PodBound', 'PodBound']);
    const after = foldAll([...changes, ...bound] as Omit<EventEnvelope, 'id' | 'time'>[], state);
    expect(after.verdicts.every((v) => v.accepted)).toBe(true);
    expect([...after.state.pods.values()].map((p) => p.status.phase)).toEqual(['Bound', 'Bound']);
    expect(assignPending(after.state, defaultPlugins).bindings).toEqual([]);
  });

  it('binds nothing when the changes create no pod', () => {
    const removal: EventInput = { type: 'PodDeletionRequested', data: { namespace: 'default', name: 'x', reason: 'test' }, expect: 3 };
    expect(bindingsAhead({ plugins: defaultPlugins })(atZero(['a']), [removal])).toEqual([]);
  });
});
