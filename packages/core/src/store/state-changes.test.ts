import { describe, expect, it } from 'vitest';
import { createMemoryLog } from '@tide/log/testing';
import { foldAll, functionManifest } from '../testing/index.js';
import { openStateStore } from './state-store.js';
import { changedParts, subscribeToChanges, type StatePart } from './state-changes.js';

const capacity = { memoryMb: 4096, cpuMilli: 2000, pods: 10 };
const { state: given } = foldAll([
  { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
  { type: 'NodeRegistered', data: { name: 'n', bootId: 'b', address: '127.0.0.1', capacity, labels: {}, taints: [] } },
  { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello') } },
  { type: 'PodCreated', data: { namespace: 'default', name: 'hello-00001-aaaaa', revision: 'hello-00001' } },
  { type: 'PodBound', data: { namespace: 'default', name: 'hello-00001-aaaaa', node: 'n' } },
]);

describe('changedParts', () => {
  it.each<[string, Parameters<typeof foldAll>[0][number], StatePart[]]>([
    [
      'a node that lost its lease changes nodes and pods',
      { type: 'NodeReadinessChanged', data: { name: 'n', bootId: 'b', ready: false, reason: 'lease expired' } },
      ['nodes', 'pods'],
    ],
    [
      'an undone rollout with no earlier revision is rejected and changes nothing',
      { type: 'RolloutUndone', data: { namespace: 'default', name: 'hello' } },
      [],
    ],
    ['a leader election changes the leaders', { type: 'LeaderElected', data: { role: 'scheduler', epoch: 1, holder: 'cp-a' } }, ['leaders']],
    [
      'a new revision changes functions and revisions',
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { env: { V: '2' } }) } },
      ['functions', 'revisions'],
    ],
  ])('%s', (_, event, parts) => {
    const { state } = foldAll([event], given);
    expect(changedParts(given, state).sort()).toEqual(parts);
  });
});

describe('subscribeToChanges', () => {
  it('tells a listener of the parts it follows that changed, and not of rejected events', async () => {
    const store = await openStateStore({ log: createMemoryLog() });
    const told: StatePart[][] = [];
    const unsubscribe = subscribeToChanges(store, ['namespaces', 'leaders'], (_state, changed) => told.push(changed));
    await store.append([{ type: 'NamespaceApplied', data: { name: 'a' }, expect: null }]);
    await store.append([{ type: 'NamespaceApplied', data: { name: 'a' }, expect: null }]);
    await store.append([{ type: 'NodeRegistered', data: { name: 'n', bootId: 'b', address: '127.0.0.1', capacity } }]);
    await store.append([{ type: 'LeaderElected', data: { role: 'scheduler', epoch: 1, holder: 'cp-a' } }]);
    expect(told).toEqual([['namespaces'], ['leaders']]);
    unsubscribe();
    await store.close();
  });
});
