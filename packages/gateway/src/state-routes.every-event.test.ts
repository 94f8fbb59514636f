import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openStateStore,
  SUPPORTED_RULES_VERSION,
  TideEvent,
  type ClusterState,
  type EventInput,
  type StateStore,
  type TideEventInput,
  type TideEventType,
} from '@tide/core';
import { aheadRuleBook, functionManifest, newestRules, triggerManifest } from '@tide/core/testing';
import { createMemoryLog } from '@tide/log/testing';
import { createStateRouteTable, routesOf } from './state-routes.js';

/** Every event type the state stream may carry, read from the schema: a new type is walked too. */
const EVENT_TYPES: TideEventType[] = TideEvent.options.map((option) => option.shape.type.value);

const pod = (name: string) => ({ namespace: 'default', name });
const ready = (name: string, node: string, bootId: string, port: number): EventInput[] => [
  { type: 'PodBound', data: { ...pod(name), node } },
  { type: 'PodStatusReported', data: { ...pod(name), node, bootId, phase: 'Ready', endpoint: `http://127.0.0.1:${port}`, restartCount: 0 } },
];
const capacity = { memoryMb: 4096, cpuMilli: 2000, pods: 10 };
/** The fold never opens a sealed value, so any well-formed one will do. */
const sealedExample = { keyId: '0123456789abcdef', nonce: 'AAAAAAAAAAAAAAAA', ciphertext: 'AAAAAAAAAAAAAAAAAAAAAA==' };

/** Two revisions of `hello` serving from two nodes (one pod each) and a third pod still Pending. */
const GIVEN: EventInput[] = [
  ...newestRules(),
  { type: 'NamespaceApplied', data: { name: 'default' } },
  { type: 'NodeRegistered', data: { name: 'gone', bootId: 'gone-1', address: '127.0.0.1', capacity } },
  { type: 'NodeReadinessChanged', data: { name: 'gone', bootId: 'gone-1', ready: false, reason: 'lease expired' } },
  { type: 'NodeRegistered', data: { name: 'n', bootId: 'n-1', address: '127.0.0.1', capacity } },
  { type: 'NodeRegistered', data: { name: 'm', bootId: 'm-1', address: '127.0.0.1', capacity } },
  { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello') } },
  { type: 'PodCreated', data: { ...pod('hello-00001-aaaaa'), revision: 'hello-00001' } },
  ...ready('hello-00001-aaaaa', 'n', 'n-1', 5001),
  { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { env: { V: '2' } }) } },
  { type: 'PodCreated', data: { ...pod('hello-00002-aaaaa'), revision: 'hello-00002' } },
  ...ready('hello-00002-aaaaa', 'm', 'm-1', 5002),
  { type: 'PodCreated', data: { ...pod('hello-00002-bbbbb'), revision: 'hello-00002' } },
  { type: 'TriggerApplied', data: { namespace: 'default', manifest: triggerManifest('nightly', { function: 'hello', cron: { schedule: '0 0 * * *' } }) } },
  { type: 'TokenCreated', data: { name: 'ci', secretHash: 'b'.repeat(64), spec: { subject: { kind: 'gateway' } } } },
  { type: 'SecretApplied', data: { ...pod('db'), type: 'Opaque', data: { PASSWORD: sealedExample } } },
];

type Example<T extends TideEventType> = (given: ClusterState) => Extract<TideEventInput, { type: T }>;

/** One event of each type that the fold accepts after GIVEN (typed: a new event type needs one). */
const EXAMPLES: { [T in TideEventType]: Example<T> } = {
  NamespaceApplied: () => ({ type: 'NamespaceApplied', data: { name: 'other' } }),
  NamespaceDeleted: () => ({ type: 'NamespaceDeleted', data: { name: 'default' } }),
  FunctionApplied: () => ({ type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { env: { V: '3' } }) } }),
  FunctionDeleted: () => ({ type: 'FunctionDeleted', data: pod('hello') }),
  RolloutUndone: () => ({ type: 'RolloutUndone', data: pod('hello') }),
  ScaleSet: (given) => {
    const from = given.functions.get('default/hello')!.status.desiredReplicas;
    return { type: 'ScaleSet', data: { ...pod('hello'), from, to: from + 1, reason: 'more load' } };
  },
  PodCreated: () => ({ type: 'PodCreated', data: { ...pod('hello-00002-ccccc'), revision: 'hello-00002' } }),
  PodBound: () => ({ type: 'PodBound', data: { ...pod('hello-00002-bbbbb'), node: 'n' } }),
  PodDeletionRequested: () => ({ type: 'PodDeletionRequested', data: { ...pod('hello-00002-aaaaa'), reason: 'scaled down' } }),
  PodStatusReported: () => ({
    type: 'PodStatusReported',
    data: { ...pod('hello-00002-aaaaa'), node: 'm', bootId: 'm-1', phase: 'Exited', reason: 'killed', restartCount: 1 },
  }),
  PodRemoved: () => ({ type: 'PodRemoved', data: { ...pod('hello-00001-aaaaa'), node: 'n' } }),
  PodUnschedulable: () => ({ type: 'PodUnschedulable', data: { ...pod('hello-00002-bbbbb'), reasons: ['no node has 8 GiB free'] } }),
  NodeRegistered: () => ({ type: 'NodeRegistered', data: { name: 'm', bootId: 'm-2', address: '127.0.0.1', capacity } }),
  LeaderElected: () => ({ type: 'LeaderElected', data: { role: 'controllers', epoch: 1, holder: 'cp-a' } }),
  NodeCordoned: () => ({ type: 'NodeCordoned', data: { name: 'm', unschedulable: true } }),
  NodeReadinessChanged: () => ({ type: 'NodeReadinessChanged', data: { name: 'm', bootId: 'm-1', ready: false, reason: 'lease expired' } }),
  NodeDeleted: () => ({ type: 'NodeDeleted', data: { name: 'gone' } }),
  TriggerApplied: () => ({
    type: 'TriggerApplied',
    data: { namespace: 'default', manifest: triggerManifest('orders', { function: 'hello', kafka: { topics: ['orders'] } }) },
  }),
  TriggerDeleted: () => ({ type: 'TriggerDeleted', data: pod('nightly') }),
  CronFired: () => ({ type: 'CronFired', data: { ...pod('nightly'), tick: Date.UTC(2026, 0, 1) } }),
  CronSkipped: () => ({ type: 'CronSkipped', data: { ...pod('nightly'), lastTick: Date.UTC(2026, 0, 1), count: 3, reason: 'missed by more than 60 s' } }),
  TokenCreated: () => ({
    type: 'TokenCreated',
    data: { name: 'ci2', secretHash: 'a'.repeat(64), spec: { subject: { kind: 'user', roles: [{ role: 'invoker', namespaces: ['default'] }] } } },
  }),
  TokenRevoked: () => ({ type: 'TokenRevoked', data: { name: 'ci' } }),
  SecretApplied: () => ({ type: 'SecretApplied', data: { ...pod('cache'), type: 'Opaque', data: { URL: sealedExample } } }),
  SecretDeleted: () => ({ type: 'SecretDeleted', data: pod('db') }),
  // Accepted by a store one release ahead of this build (aheadRuleBook); routes are the same under it.
  RulesVersionRaised: () => ({ type: 'RulesVersionRaised', data: { version: SUPPORTED_RULES_VERSION + 1 } }),
};

let store: StateStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('the state route table after every type of event', () => {
  it.each(EVENT_TYPES)('serves the routes of the state after %s, and tells its listeners when they moved', async (type) => {
    const example = (EXAMPLES as Record<string, Example<TideEventType> | undefined>)[type];
    expect(example, `no example of event type ${type} in EXAMPLES: add one`).toBeDefined();
    store = await openStateStore({ log: createMemoryLog(), rules: aheadRuleBook });
    const given = await store.append(GIVEN);
    expect(given.filter((r) => !r.verdict.accepted)).toEqual([]);
    const table = createStateRouteTable(store);
    let told = 0;
    table.subscribe(() => told++);
    const before = routesOf(store.state());
    expect(table.lookup('default', 'hello')).toEqual(before.get('default/hello'));

    const [result] = await store.append([example!(store.state())]);
    expect(result!.verdict).toEqual({ accepted: true });

    const after = routesOf(store.state());
    for (const key of new Set([...before.keys(), ...after.keys()])) expect(table.lookupKey!(key), key).toEqual(after.get(key));
    if (!isDeepStrictEqual([...before], [...after])) expect(told, 'listeners told the routes moved').toBeGreaterThan(0);
    table.close();
  });
});

describe('the state route table', () => {
  it('stops routing to the pods of a node that lost its lease', async () => {
    store = await openStateStore({ log: createMemoryLog(), rules: aheadRuleBook });
    await store.append(GIVEN);
    const table = createStateRouteTable(store);
    expect(table.lookupKey!('default/hello#hello-00002')?.endpoints.map((e) => e.pod)).toEqual(['hello-00002-aaaaa']);
    await store.append([EXAMPLES.NodeReadinessChanged(store.state())]);
    expect(table.lookupKey!('default/hello#hello-00002')?.endpoints).toEqual([]);
    expect(table.lookup('default', 'hello')?.split).toEqual([{ percent: 100, key: 'default/hello#hello-00001' }]);
    table.close();
  });

  it('routes to the earlier revision at once after a rollout is undone', async () => {
    store = await openStateStore({ log: createMemoryLog(), rules: aheadRuleBook });
    await store.append(GIVEN);
    const table = createStateRouteTable(store);
    expect(table.lookup('default', 'hello')?.split).toEqual([{ percent: 100, key: 'default/hello#hello-00002' }]);
    await store.append([EXAMPLES.RolloutUndone(store.state())]);
    expect(table.lookup('default', 'hello')?.split).toEqual([{ percent: 100, key: 'default/hello#hello-00001' }]);
    table.close();
  });
});
