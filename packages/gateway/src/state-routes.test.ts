import { describe, expect, it } from 'vitest';
import { foldAll, functionManifest } from '@tide/core/testing';
import { routesOf } from './state-routes.js';

const pod = (name: string) => ({ namespace: 'default', name });
const report = (name: string, phase: 'Starting' | 'Ready', port: number) => ({
  type: 'PodStatusReported' as const,
  data: { ...pod(name), node: 'n', bootId: 'b', phase, endpoint: `http://127.0.0.1:${port}`, restartCount: 0 },
});

describe('routesOf', () => {
  it('routes a function to its Ready pods only, with their concurrency and the function timeout', () => {
    const { state } = foldAll([
      { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
      { type: 'NodeRegistered', data: { name: 'n', bootId: 'b', address: '127.0.0.1', capacity: { memoryMb: 4096, cpuMilli: 2000, pods: 10 } } },
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { concurrency: 7, timeoutSeconds: 3 }) } },
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('idle') } },
      { type: 'PodCreated', data: { ...pod('hello-00001-aaaaa'), revision: 'hello-00001' } },
      { type: 'PodCreated', data: { ...pod('hello-00001-bbbbb'), revision: 'hello-00001' } },
      { type: 'PodBound', data: { ...pod('hello-00001-aaaaa'), node: 'n' } },
      { type: 'PodBound', data: { ...pod('hello-00001-bbbbb'), node: 'n' } },
      report('hello-00001-aaaaa', 'Ready', 5001),
      report('hello-00001-bbbbb', 'Starting', 5002),
    ]);
    const routes = routesOf(state);
    expect(routes.get('default/hello')?.split).toEqual([{ percent: 100, key: 'default/hello#hello-00001' }]);
    expect(routes.get('default/hello#hello-00001')).toEqual({
      namespace: 'default',
      name: 'hello',
      key: 'default/hello#hello-00001',
      revision: 'hello-00001',
      timeoutMs: 3000,
      concurrency: 7,
      limits: { requestBodyBytes: 6 * 1024 * 1024, responseBodyBytes: 6 * 1024 * 1024 },
      endpoints: [{ pod: 'hello-00001-aaaaa', url: 'http://127.0.0.1:5001', concurrency: 7 }],
    });
    expect(routes.get('default/idle#idle-00001')?.endpoints).toEqual([]);
    expect(routes.get('default/idle#idle-00001')?.failure).toBeUndefined();
    expect(routes.get('default/missing')).toBeUndefined();
  });

  it("never sends a function's traffic to the Ready pods of another function whose name it prefixes", () => {
    const { state } = foldAll([
      { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
      { type: 'NodeRegistered', data: { name: 'n', bootId: 'b', address: '127.0.0.1', capacity: { memoryMb: 4096, cpuMilli: 2000, pods: 10 } } },
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello') } },
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello-world') } },
      { type: 'PodCreated', data: { ...pod('hello-00001-aaaaa'), revision: 'hello-00001' } },
      { type: 'PodCreated', data: { ...pod('hello-world-00001-aaaaa'), revision: 'hello-world-00001' } },
      { type: 'PodBound', data: { ...pod('hello-world-00001-aaaaa'), node: 'n' } },
      report('hello-world-00001-aaaaa', 'Ready', 5001),
    ]);
    expect(routesOf(state).get('default/hello')?.split).toEqual([{ percent: 100, key: 'default/hello#hello-00001' }]);
  });

  it('gives the exit reason of a function whose pods all exited', () => {
    const { state } = foldAll([
      { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
      { type: 'NodeRegistered', data: { name: 'n', bootId: 'b', address: '127.0.0.1', capacity: { memoryMb: 4096, cpuMilli: 2000, pods: 10 } } },
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('broken') } },
      { type: 'PodCreated', data: { ...pod('broken-00001-aaaaa'), revision: 'broken-00001' } },
      { type: 'PodBound', data: { ...pod('broken-00001-aaaaa'), node: 'n' } },
      {
        type: 'PodStatusReported',
        data: {
          ...pod('broken-00001-aaaaa'),
          node: 'n',
          bootId: 'b',
          phase: 'Exited',
          reason: 'import failed: Error: boom',
          restartCount: 2,
          nextRestartAt: 4_000,
        },
      },
    ]);
    expect(routesOf(state).get('default/broken#broken-00001')?.failure).toBe('pod broken-00001-aaaaa exited (import failed: Error: boom), restart 2');
  });

  it('gives no failure while a pod that exited is replaced at once (recycled after a call past its timeout): it may yet serve', () => {
    const { state } = foldAll([
      { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
      { type: 'NodeRegistered', data: { name: 'n', bootId: 'b', address: '127.0.0.1', capacity: { memoryMb: 4096, cpuMilli: 2000, pods: 10 } } },
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('spin') } },
      { type: 'PodCreated', data: { ...pod('spin-00001-aaaaa'), revision: 'spin-00001' } },
      { type: 'PodBound', data: { ...pod('spin-00001-aaaaa'), node: 'n' } },
      {
        type: 'PodStatusReported',
        data: { ...pod('spin-00001-aaaaa'), node: 'n', bootId: 'b', phase: 'Exited', reason: 'call ran past its timeout of 1s', restartCount: 0 },
      },
    ]);
    expect(routesOf(state).get('default/spin#spin-00001')?.failure).toBeUndefined();
  });

  it('splits traffic over revision routes and gives each tag its revision route', () => {
    const { state } = foldAll([
      { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello') } },
      {
        type: 'FunctionApplied',
        data: {
          namespace: 'default',
          manifest: functionManifest('hello', {
            env: { V: '2' },
            traffic: [
              { revision: 'hello-00001', percent: 30, tag: 'blue' },
              { latestRevision: true, percent: 70, tag: 'green' },
            ],
          }),
        },
      },
    ]);
    const routes = routesOf(state);
    expect(routes.get('default/hello')?.split).toEqual([
      { percent: 30, key: 'default/hello#hello-00001' },
      { percent: 70, key: 'default/hello#hello-00002' },
    ]);
    expect(routes.get('default/hello@blue')?.key).toBe('default/hello#hello-00001');
    expect(routes.get('default/hello@green')?.key).toBe('default/hello#hello-00002');
    expect(routes.get('default/hello@red')).toBeUndefined();
  });
});

describe('routesOf during a rollout', () => {
  it('sends the latest revision its share only once it has Ready pods; until then the newest Ready revision serves', () => {
    const pod = (name: string) => ({ namespace: 'default', name });
    const ready = (name: string, port: number) => [
      { type: 'PodBound' as const, data: { ...pod(name), node: 'n' } },
      {
        type: 'PodStatusReported' as const,
        data: { ...pod(name), node: 'n', bootId: 'b', phase: 'Ready' as const, endpoint: `http://127.0.0.1:${port}`, restartCount: 0 },
      },
    ];
    const { state } = foldAll([
      { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
      { type: 'NodeRegistered', data: { name: 'n', bootId: 'b', address: '127.0.0.1', capacity: { memoryMb: 4096, cpuMilli: 2000, pods: 10 } } },
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello') } },
      { type: 'PodCreated', data: { ...pod('hello-00001-aaaaa'), revision: 'hello-00001' } },
      ...ready('hello-00001-aaaaa', 5001),
      { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { env: { V: '2' } }) } },
      { type: 'PodCreated', data: { ...pod('hello-00002-aaaaa'), revision: 'hello-00002' } },
    ]);
    expect(routesOf(state).get('default/hello')?.split).toEqual([{ percent: 100, key: 'default/hello#hello-00001' }]);
    const { state: after } = foldAll(ready('hello-00002-aaaaa', 5002), state);
    expect(routesOf(after).get('default/hello')?.split).toEqual([{ percent: 100, key: 'default/hello#hello-00002' }]);
  });
});
