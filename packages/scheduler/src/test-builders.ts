/** Builders for the scheduler's tests (excluded from the build). */
import { emptyResourceMap, initialState, type ClusterState, type Pod, type PodIsolation, type Taint, type TideNode, type Toleration } from '@tide/core';

export interface NodeOptions {
  memoryMb?: number;
  cpuMilli?: number;
  pods?: number;
  ready?: boolean;
  cordoned?: boolean;
  labels?: Record<string, string>;
  taints?: Taint[];
  isolation?: PodIsolation;
}

export function node(name: string, o: NodeOptions = {}): TideNode {
  return {
    apiVersion: 'tide.dev/v1',
    kind: 'Node',
    metadata: { name, labels: o.labels ?? {}, annotations: {}, uid: name, resourceVersion: '0', generation: 1, creationTimestamp: '2024-01-01T00:00:00.000Z' },
    spec: {
      capacity: { memoryMb: o.memoryMb ?? 1024, cpuMilli: o.cpuMilli ?? 4000, pods: o.pods ?? 10 },
      address: '127.0.0.1',
      taints: o.taints ?? [],
      unschedulable: o.cordoned ?? false,
      ...(o.isolation ? { isolation: o.isolation } : {}),
    },
    status: { ready: o.ready ?? true, bootId: 'b' },
  };
}

export interface PodOptions {
  memoryMb?: number;
  cpuMilli?: number;
  node?: string;
  fn?: string;
  namespace?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  /** Creation time as ms since the epoch (default 0). */
  createdAt?: number;
  resourceVersion?: string;
  unschedulable?: string[];
}

export function pod(name: string, o: PodOptions = {}): Pod {
  const fn = o.fn ?? 'hello';
  return {
    apiVersion: 'tide.dev/v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      labels: {},
      annotations: {},
      uid: name,
      resourceVersion: o.resourceVersion ?? '1',
      generation: 1,
      creationTimestamp: new Date(1_700_000_000_000 + (o.createdAt ?? 0)).toISOString(),
    },
    spec: {
      function: fn,
      revision: `${fn}-00001`,
      source: { artifact: `sha256:${'a'.repeat(64)}` },
      env: {},
      resources: { memoryMb: o.memoryMb ?? 128, cpuMilli: o.cpuMilli ?? 100 },
      concurrency: 10,
      timeoutSeconds: 30,
      nodeSelector: o.nodeSelector ?? {},
      tolerations: o.tolerations ?? [],
      terminationGraceSeconds: 30,
      probes: {},
      terminationGracePeriodSeconds: 30,
      ...(o.node ? { node: o.node } : {}),
    },
    status: { phase: o.node ? 'Ready' : 'Pending', restartCount: 0, ...(o.unschedulable ? { unschedulable: o.unschedulable } : {}) },
  };
}

/** A state holding exactly these nodes and pods, inserted in the order given. */
export function stateOf(nodes: readonly TideNode[], pods: readonly Pod[]): ClusterState {
  let nodeMap = emptyResourceMap<TideNode>();
  for (const n of nodes) nodeMap = nodeMap.set(n.metadata.name, n);
  let podMap = emptyResourceMap<Pod>();
  for (const p of pods) podMap = podMap.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
  return { ...initialState, nodes: nodeMap, pods: podMap };
}
