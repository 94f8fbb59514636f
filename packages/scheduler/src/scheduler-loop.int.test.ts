import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore, type EventInput, type ReconcileLoop, type StateStore } from '@tide/core';
import { functionManifest } from '@tide/core/testing';
import { createMemoryLog } from '@tide/log/testing';
import { eventually } from '@tide/testkit/testing';
import { defaultPlugins } from './core/default-plugins.js';
import { PASS, type FilterPlugin, type Plugins } from './core/framework.js';
import { startScheduler } from './scheduler-loop.js';

let store: StateStore;
let scheduler: ReconcileLoop | undefined;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  await store?.close();
});

const registered = (name: string, memoryMb: number): EventInput => ({
  type: 'NodeRegistered',
  data: { name, bootId: `${name}-boot`, address: '127.0.0.1', capacity: { memoryMb, cpuMilli: 4000, pods: 10 }, labels: {}, taints: [] },
});

/** A store with function `hello` (512 MB pods) and `pods` Pending pods of it. */
async function withPendingPods(pods: number): Promise<void> {
  store = await openStateStore({ log: createMemoryLog() });
  await store.append([
    { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
    { type: 'FunctionApplied', data: { namespace: 'default', manifest: functionManifest('hello', { resources: { memoryMb: 512, cpuMilli: 100 } }) } },
    ...Array.from(
      { length: pods },
      (_, i): EventInput => ({ type: 'PodCreated', data: { namespace: 'default', name: `hello-${i}`, revision: 'hello-00001' } }),
    ),
  ]);
}

const podOf = (name: string) => store.state().pods.get(`default/${name}`)!;

/** The default cycle plus a filter that only counts how often nodes are considered. */
function countingPlugins(): { plugins: Plugins; calls: () => number } {
  let calls = 0;
  const counter: FilterPlugin = { name: 'counter', filter: () => (calls++, PASS) };
  return { plugins: { ...defaultPlugins, filters: [counter, ...defaultPlugins.filters] }, calls: () => calls };
}

describe('the scheduler loop', () => {
  it('binds pending pods across the registered nodes', async () => {
    await withPendingPods(2);
    await store.append([registered('a', 1024), registered('b', 1024)]);
    scheduler = startScheduler(store);
    await eventually(() => expect([podOf('hello-0').spec.node, podOf('hello-1').spec.node].sort()).toEqual(['a', 'b']), { timeoutMs: 5000 });
    expect(podOf('hello-0').status.phase).toBe('Bound');
  });

  it('reports an unschedulable pod once, then binds it as soon as a node that fits registers', async () => {
    await withPendingPods(1);
    await store.append([registered('small', 256)]);
    const events: string[] = [];
    store.subscribe((event, verdict) => {
      if (event && verdict.accepted) events.push(event.type);
    });
    const reported: string[][] = [];
    const { plugins, calls } = countingPlugins();
    scheduler = startScheduler(store, { plugins, resyncMs: 10, onUnschedulable: (_pod, reasons) => reported.push(reasons) });

    await eventually(() => expect(podOf('hello-0').status.unschedulable).toEqual(['node small: insufficient memory (256 MB free, 512 MB asked)']), {
      timeoutMs: 5000,
    });
    const seen = calls();
    await eventually(() => expect(calls()).toBeGreaterThan(seen + 5), { timeoutMs: 5000 }); // several more passes
    expect(events.filter((t) => t === 'PodUnschedulable')).toHaveLength(1);
    expect(reported).toEqual([['node small: insufficient memory (256 MB free, 512 MB asked)']]);

    await store.append([registered('big', 1024)]);
    await eventually(() => expect(podOf('hello-0').spec.node).toBe('big'), { timeoutMs: 5000 });
    expect(podOf('hello-0').status.unschedulable).toBeUndefined();
  });

  it('runs the cycle it is given', async () => {
    await withPendingPods(1);
    await store.append([registered('a', 1024), registered('b', 1024)]);
    const notA: FilterPlugin = { name: 'not-a', filter: (_p, n) => (n.metadata.name === 'a' ? { ok: false, reason: 'no' } : PASS) };
    scheduler = startScheduler(store, { plugins: { ...defaultPlugins, filters: [notA] } });
    await eventually(() => expect(podOf('hello-0').spec.node).toBe('b'), { timeoutMs: 5000 });
  });
});
