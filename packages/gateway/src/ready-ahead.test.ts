import { describe, expect, it } from 'vitest';
import { foldAll, functionManifest } from '@tide/core/testing';
import type { EventEnvelope } from '@tide/core';
import { createReadyAhead } from './ready-ahead.js';
import { routesOf } from './state-routes.js';

const POD = 'hello-00001-aaaaa';
const setup: Omit<EventEnvelope, 'id' | 'time'>[] = [
  { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
  { type: 'NodeRegistered', data: { name: 'n', bootId: 'b', address: '127.0.0.1', capacity: { memoryMb: 4096, cpuMilli: 2000, pods: 10 } } },
  { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello') } },
  { type: 'PodCreated', data: { namespace: 'default', name: POD, revision: 'hello-00001' } },
];
const bound: Omit<EventEnvelope, 'id' | 'time'> = { type: 'PodBound', data: { namespace: 'default', name: POD, node: 'n' } };
const status = (phase: 'Starting' | 'Ready' | 'Exited', bootId = 'b'): Omit<EventEnvelope, 'id' | 'time'> => ({
  type: 'PodStatusReported',
  data: { namespace: 'default', name: POD, node: 'n', bootId, phase, restartCount: 0, ...(phase === 'Ready' ? { endpoint: 'http://127.0.0.1:5001' } : {}) },
});
const endpointsOf = (events: Omit<EventEnvelope, 'id' | 'time'>[], ahead: ReturnType<typeof createReadyAhead>) =>
  routesOf(foldAll([...setup, ...events]).state, ahead)
    .get('default/hello#hello-00001')
    ?.endpoints.map((e) => e.url);

describe('ready ahead of the log', () => {
  const readyOn = (node: string, bootId = 'b') => {
    const ahead = createReadyAhead();
    ahead.report({ namespace: 'default', pod: POD, node, bootId, endpoint: 'http://127.0.0.1:5001' });
    return ahead;
  };

  it('routes to a pod the fold bound to the reporting node as soon as its agent says it is ready', () => {
    expect(endpointsOf([bound], readyOn('n'))).toEqual(['http://127.0.0.1:5001']);
    expect(endpointsOf([bound, status('Starting')], readyOn('n'))).toEqual(['http://127.0.0.1:5001']);
  });

  it('never routes to a pod the fold has not bound, or bound to another node or incarnation', () => {
    expect(endpointsOf([], readyOn('n'))).toEqual([]);
    expect(endpointsOf([bound], readyOn('other'))).toEqual([]);
    expect(endpointsOf([bound, status('Starting', 'b')], readyOn('n', 'older-boot'))).toEqual([]);
  });

  it('stops routing once the fold moves the pod on (exited, deleted) or the agent takes it back', () => {
    expect(endpointsOf([bound, status('Exited')], readyOn('n'))).toEqual([]);
    expect(endpointsOf([bound, { type: 'PodDeletionRequested', data: { namespace: 'default', name: POD, reason: 'test' } }], readyOn('n'))).toEqual([]);
    const ahead = readyOn('n');
    ahead.report({ namespace: 'default', pod: POD, node: 'n', bootId: 'b' });
    expect(endpointsOf([bound], ahead)).toEqual([]);
  });

  it('tells its subscribers of every change of what the agent reported', () => {
    const ahead = createReadyAhead();
    let changes = 0;
    ahead.subscribe(() => changes++);
    ahead.report({ namespace: 'default', pod: POD, node: 'n', bootId: 'b', endpoint: 'http://127.0.0.1:5001' });
    ahead.report({ namespace: 'default', pod: POD, node: 'n', bootId: 'b' });
    ahead.report({ namespace: 'default', pod: POD, node: 'n', bootId: 'b' }); // nothing left to take back
    expect(changes).toBe(2);
  });
});
