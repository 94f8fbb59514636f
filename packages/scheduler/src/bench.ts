/**
 * Throughput of the pure scheduler for the top-level bench: one `assignPending` pass placing
 * `pods` Pending pods on `nodes` simulated nodes (a tenth labelled, a twentieth tainted, a
 * fiftieth cordoned, a hundredth not ready), timed without building the state.
 */
import { performance } from 'node:perf_hooks';
import { emptyResourceMap, initialState, type ClusterState, type Pod, type TideNode } from '@tide/core';
import { assignPending } from './core/assign.js';
import { defaultPlugins } from './core/default-plugins.js';
import type { Plugins } from './core/framework.js';

export interface PlacementBenchOptions {
  nodes: number;
  pods: number;
  /** Distinct functions the pods belong to (default 50). */
  functions?: number;
  plugins?: Plugins;
}

export interface PlacementBench {
  nodes: number;
  pods: number;
  bound: number;
  unschedulable: number;
  seconds: number;
  placementsPerSecond: number;
}

export function benchPlacements(options: PlacementBenchOptions): PlacementBench {
  const state = benchState(options.nodes, options.pods, options.functions ?? 50);
  const started = performance.now();
  const result = assignPending(state, options.plugins ?? defaultPlugins);
  const seconds = (performance.now() - started) / 1000;
  return {
    nodes: options.nodes,
    pods: options.pods,
    bound: result.bindings.length,
    unschedulable: result.unschedulable.length,
    seconds,
    placementsPerSecond: options.pods / seconds,
  };
}

function benchState(nodeCount: number, podCount: number, functions: number): ClusterState {
  let nodes = emptyResourceMap<TideNode>();
  for (let i = 0; i < nodeCount; i++) nodes = nodes.set(`n${i}`, benchNode(i));
  let pods = emptyResourceMap<Pod>();
  for (let i = 0; i < podCount; i++) pods = pods.set(`default/p${i}`, benchPod(i, functions));
  return { ...initialState, nodes, pods };
}

function benchNode(i: number): TideNode {
  return {
    apiVersion: 'tide.dev/v1',
    kind: 'Node',
    metadata: {
      name: `n${i}`,
      labels: i % 10 === 0 ? { disk: 'ssd' } : {},
      annotations: {},
      uid: `n${i}`,
      resourceVersion: '0',
      generation: 1,
      creationTimestamp: '2024-01-01T00:00:00.000Z',
    },
    spec: {
      capacity: { memoryMb: 8192 * (1 + (i % 4)), cpuMilli: 4000 * (1 + (i % 2)), pods: 110 },
      address: '127.0.0.1',
      taints: i % 20 === 0 ? [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] : [],
      unschedulable: i % 50 === 7,
    },
    status: { ready: i % 100 !== 3, bootId: 'bench' },
  };
}

function benchPod(i: number, functions: number): Pod {
  const fn = `fn${i % functions}`;
  return {
    apiVersion: 'tide.dev/v1',
    kind: 'Pod',
    metadata: {
      name: `p${i}`,
      namespace: 'default',
      labels: {},
      annotations: {},
      uid: `p${i}`,
      resourceVersion: String(i),
      generation: 1,
      creationTimestamp: new Date(1_700_000_000_000 + i).toISOString(),
    },
    spec: {
      function: fn,
      revision: `${fn}-00001`,
      source: { artifact: `sha256:${'a'.repeat(64)}` },
      env: {},
      resources: { memoryMb: 128 * (1 + (i % 4)), cpuMilli: 100 * (1 + (i % 3)) },
      concurrency: 50,
      timeoutSeconds: 30,
      nodeSelector: i % 25 === 0 ? { disk: 'ssd' } : {},
      tolerations: i % 30 === 0 ? [{ key: 'dedicated', operator: 'Exists' }] : [],
      terminationGraceSeconds: 30,
      probes: {},
      terminationGracePeriodSeconds: 30,
    },
    status: { phase: 'Pending', restartCount: 0 },
  };
}
