import { randomUUID } from 'node:crypto';
import {
  cpuCeilingMilli,
  encodeLease,
  encodeMetricsReport,
  keyOf,
  LEASES_TOPIC,
  METRICS_TOPIC,
  startReconcileLoop,
  type ClusterState,
  type EventInput,
  type FunctionCpu,
  type NodeCapacity,
  type Pod,
  type StateStore,
  type PodIsolation,
  type Taint,
} from '@tide/core';
import { coldStartMetrics } from './cold-start-metrics.js';
import { createCpuMeter } from './pod-cpu.js';
import { startLogShipper } from './log-shipper.js';
import { podStartSpans } from './pod-start-spans.js';

const CPU_REPORT_MS = 1000;
import type { NodeAgent } from './node-agent.js';
import { envWithSecrets, podSecretsStep, secretConfigError } from './core/pod-secrets.js';
import type { SecretEnvSource } from './adapters/secret-env-api.js';
import type { PodReport, PodRunSpec } from './pod-types.js';

export interface NodeLoopOptions {
  store: StateStore;
  nodeName: string;
  address: string;
  capacity: NodeCapacity;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** How the agent isolates its pods, registered so that the scheduler and the fold keep other tenants' pods off an unsandboxed node. */
  isolation?: PodIsolation;
  /**
   * Opens the agent with the callback that turns its reports into events, and the one that ships
   * what its pods print (give it the agent's onLog).
   */
  openAgent: (
    onReport: (report: PodReport) => void,
    onPodLog: (pod: string, stream: 'stdout' | 'stderr', line: string, traceId?: string) => void,
  ) => Promise<NodeAgent>;
  /**
   * The opened values of the secrets a pod names (envFrom, secretKeyRef), from a control plane; absent, such a
   * pod does not start and says why (the node holds no key to open them itself).
   */
  secretEnv?: SecretEnvSource;
  /**
   * Told of each report of a pod synchronously, before it is appended: its endpoint once Ready,
   * none otherwise. How a gateway in the same process routes to a pod the fold has bound the
   * moment it is ready (the gateway's ready-ahead.ts), instead of after the report is folded.
   */
  onPodReadiness?: (readiness: { namespace: string; pod: string; node: string; bootId: string; endpoint?: string }) => void;
  /** Where pods' output is shipped (the logs topic, for `tide logs`); without it, it is not. */
  logs?: Appender;
  /** Local path of an artifact's module (fetched first where the node does not have it). */
  artifactPath: (digest: string) => Promise<string>;
  /** Where the CPU its pods use is reported every second (the metrics topic), for 'cpu' autoscaling. */
  metrics?: Appender;
  /** Where the node renews its lease (the leases topic); without it the node never goes NotReady. */
  leases?: Appender;
  /** How often the lease is renewed (default 2 s; nodeGraceSeconds should be several times this). */
  leaseMs?: number;
  onError?: (error: Error) => void;
}

interface Appender {
  append(topic: string, records: readonly { value: Uint8Array; key?: string }[]): Promise<number[]>;
}

export interface NodeLoop {
  nodeName: string;
  bootId: string;
  agent: NodeAgent;
  /** Stops following the log, then stops every pod gracefully. */
  close(): Promise<void>;
}

/** The agent knows pods by one name; two namespaces may hold pods of the same name. */
export const agentPodName = (namespace: string, name: string) => `${namespace}.${name}`;

/** The cluster's name of a pod the agent runs (the inverse of agentPodName). */
export const clusterPodName = (spec: Pick<PodRunSpec, 'name' | 'namespace'>) => spec.name.slice(spec.namespace.length + 1);

function runSpecOf(agentName: string, pod: Pod, artifactPath: string, secretEnv: Record<string, string> | undefined): PodRunSpec {
  return {
    name: agentName,
    namespace: pod.metadata.namespace,
    functionName: pod.spec.function,
    revision: pod.spec.revision,
    artifactPath,
    env: envWithSecrets(pod.spec.env, secretEnv),
    memoryMb: pod.spec.resources.memoryMb,
    cpuMilli: cpuCeilingMilli(pod.spec.resources),
    cpuRequestMilli: pod.spec.resources.cpuMilli,
    timeoutSeconds: pod.spec.timeoutSeconds,
    terminationGraceSeconds: pod.spec.terminationGraceSeconds,
    probes: pod.spec.probes,
    ...(pod.spec.bindings?.length ? { bindings: pod.spec.bindings } : {}),
  };
}

/** The pods the log says this node should run now (not those being deleted). */
export function desiredPodsOf(state: ClusterState, nodeName: string): Pod[] {
  return [...state.pods.values()].filter((p) => p.spec.node === nodeName && p.status.phase !== 'Terminating');
}

/**
 * A node's link to the log: registers this incarnation (a new boot id), runs what the log binds to
 * the node, and reports what its pods do as events. Registering first makes the fold forget the
 * previous incarnation's pods, whose processes the agent stopped on open.
 */
export async function startNodeLoop(options: NodeLoopOptions): Promise<NodeLoop> {
  const { store, nodeName } = options;
  const bootId = randomUUID();
  const podsByAgentName = new Map<string, Pod>();
  let closed = false;

  const recordColdStart = coldStartMetrics();
  const startSpans = podStartSpans(nodeName);
  const report = (r: PodReport) => {
    const pod = podsByAgentName.get(r.pod);
    if (!pod || closed) return;
    const traceparent = startSpans.traceparentFor(pod, r.pod, r, Date.now());
    recordColdStart(pod, r);
    const { namespace, name } = pod.metadata;
    const event: EventInput =
      r.phase === 'Stopped'
        ? { type: 'PodRemoved', data: { namespace, name, node: nodeName } }
        : {
            type: 'PodStatusReported',
            data: {
              namespace,
              name,
              node: nodeName,
              bootId,
              phase: r.phase,
              restartCount: r.restartCount,
              ...(r.endpoint ? { endpoint: r.endpoint } : {}),
              ...(r.reason ? { reason: r.reason } : {}),
              ...(r.exitCode === undefined ? {} : { exitCode: r.exitCode }),
              ...(r.nextRestartAt === undefined ? {} : { nextRestartAt: r.nextRestartAt }),
              ...(r.coldStart === undefined ? {} : { coldStart: r.coldStart }),
              ...(r.startMs === undefined ? {} : { startMs: Math.round(r.startMs) }),
            },
            ...(traceparent ? { traceparent } : {}),
          };
    if (r.phase === 'Stopped') podsByAgentName.delete(r.pod);
    options.onPodReadiness?.({ namespace, pod: name, node: nodeName, bootId, ...(r.phase === 'Ready' && r.endpoint ? { endpoint: r.endpoint } : {}) });
    store
      .append([event])
      .catch((error: Error) => options.onError?.(new Error(`node ${nodeName}: reporting pod ${namespace}/${name} failed: ${error.message}`, { cause: error })));
  };

  const shipper = options.logs ? startLogShipper({ log: options.logs, node: nodeName, ...(options.onError ? { onError: options.onError } : {}) }) : undefined;
  const onPodLog = (agentName: string, stream: 'stdout' | 'stderr', line: string, traceId?: string) => {
    const pod = podsByAgentName.get(agentName);
    if (!pod || !shipper) return; // the warm pool's and the agent's own lines belong to no pod
    const { namespace, name } = pod.metadata;
    shipper.ship({ namespace, function: pod.spec.function, revision: pod.spec.revision, pod: name, stream, line, ...(traceId ? { traceId } : {}) });
  };
  const agent = await options.openAgent(report, onPodLog);
  const registration: EventInput = {
    type: 'NodeRegistered',
    data: {
      name: nodeName,
      bootId,
      address: options.address,
      capacity: options.capacity,
      labels: options.labels ?? {},
      taints: options.taints ?? [],
      ...(options.isolation ? { isolation: options.isolation } : {}),
    },
  };
  const [registered] = await store.append([registration]);
  if (!registered?.verdict.accepted) throw new Error(`node ${nodeName} could not register: ${JSON.stringify(registered?.verdict)}`);

  // Pods being deleted stay known, so that their Stopped report can still name them.
  const rememberTerminating = (state: ClusterState) => {
    for (const pod of [...state.pods.values()]) {
      if (pod.spec.node === nodeName && pod.status.phase === 'Terminating') podsByAgentName.set(agentPodName(pod.metadata.namespace, pod.metadata.name), pod);
    }
  };
  // A pod whose artifact cannot be had (not served, or refused for not matching its digest) says why
  // in its status, once per distinct reason; one already running keeps the code it verified at start.
  const reportArtifactUnavailable = (pod: Pod, why: string) => reportWaiting(pod, `ArtifactUnavailable: ${why}`.slice(0, 2048));
  const reportWaiting = (pod: Pod, reason: string) => {
    if (closed || pod.status.reason === reason || (pod.status.nodeBootId === bootId && pod.status.phase === 'Ready')) return;
    const { namespace, name } = pod.metadata;
    store
      .append([
        { type: 'PodStatusReported', data: { namespace, name, node: nodeName, bootId, phase: 'Starting', reason, restartCount: pod.status.restartCount } },
      ])
      .catch((error: Error) => options.onError?.(new Error(`node ${nodeName}: reporting pod ${namespace}/${name} failed: ${error.message}`, { cause: error })));
  };
  // Opened values of a pod's secrets, fetched once per pod (a pod is immutable: it keeps the env it started with).
  const secretEnvs = new Map<string, Record<string, string>>();
  /** The secrets' env of a pod, or undefined (and its status saying why) while it cannot start. */
  const secretEnvOf = async (state: ClusterState, pod: Pod, agentName: string): Promise<{ env?: Record<string, string> } | undefined> => {
    const kept = secretEnvs.get(agentName);
    if (kept) return { env: kept };
    const step = podSecretsStep(state, pod);
    if (step.step === 'none') return {};
    if (step.step === 'wait') {
      reportWaiting(pod, step.reason);
      return undefined;
    }
    const fetched = options.secretEnv
      ? await options.secretEnv(pod.metadata.namespace, pod.metadata.name)
      : { ok: false as const, reason: 'this node has no control plane to ask for secrets' };
    if (!fetched.ok) {
      reportWaiting(pod, secretConfigError(fetched.reason));
      return undefined;
    }
    secretEnvs.set(agentName, fetched.env);
    return { env: fetched.env };
  };
  const loop = startReconcileLoop(store, {
    name: `node ${nodeName}`,
    ...(options.onError ? { onError: options.onError } : {}),
    async reconcile(state) {
      // Gone from a log that lost its history (the node itself never deregisters): register again.
      if (!state.nodes.has(nodeName)) return [registration];
      rememberTerminating(state);
      const specs: PodRunSpec[] = [];
      const desired = desiredPodsOf(state, nodeName);
      const desiredNames = new Set(desired.map((pod) => agentPodName(pod.metadata.namespace, pod.metadata.name)));
      for (const name of secretEnvs.keys()) if (!desiredNames.has(name)) secretEnvs.delete(name);
      for (const pod of desired) {
        const agentName = agentPodName(pod.metadata.namespace, pod.metadata.name);
        podsByAgentName.set(agentName, pod);
        const secrets = await secretEnvOf(state, pod, agentName);
        if (!secrets) continue;
        try {
          specs.push(runSpecOf(agentName, pod, await options.artifactPath(pod.spec.source.artifact), secrets.env));
        } catch (error) {
          options.onError?.(
            new Error(`node ${nodeName}: artifact for pod ${keyOf(pod.metadata.namespace, pod.metadata.name)} unavailable: ${(error as Error).message}`),
          );
          reportArtifactUnavailable(pod, (error as Error).message);
        }
      }
      if (!closed) agent.sync(specs);
      return [];
    },
  });

  const meter = createCpuMeter();
  const reportCpu = () => {
    const running = agent.pods().flatMap((r) => (r.phase === 'Ready' && r.pid !== undefined ? [{ key: r.pod, pid: r.pid }] : []));
    const byFunction = new Map<string, FunctionCpu>();
    for (const { key, cpuMilli } of meter(running, Date.now())) {
      const pod = podsByAgentName.get(key);
      if (!pod) continue;
      const fnKey = keyOf(pod.metadata.namespace, pod.spec.function);
      const sum = byFunction.get(fnKey) ?? { namespace: pod.metadata.namespace, name: pod.spec.function, cpuMilli: 0, pods: 0 };
      byFunction.set(fnKey, { ...sum, cpuMilli: sum.cpuMilli + cpuMilli, pods: sum.pods + 1 });
    }
    if (byFunction.size === 0 || !options.metrics) return;
    const samples = [...byFunction.values()].map((f) => ({ ...f, cpuMilli: f.cpuMilli / f.pods }));
    const report = encodeMetricsReport({ kind: 'pod-cpu', source: nodeName, at: Date.now(), intervalMs: CPU_REPORT_MS, samples });
    options.metrics
      .append(METRICS_TOPIC, [{ value: report, key: nodeName }])
      .catch((error: Error) => options.onError?.(new Error(`node ${nodeName}: reporting pod CPU failed: ${error.message}`)));
  };
  const cpuTimer = options.metrics ? setInterval(reportCpu, CPU_REPORT_MS) : undefined;
  cpuTimer?.unref();
  const renewLease = () => {
    options.leases
      ?.append(LEASES_TOPIC, [{ value: encodeLease({ node: nodeName, bootId, at: Date.now() }), key: nodeName }])
      .catch((error: Error) => options.onError?.(new Error(`node ${nodeName}: renewing its lease failed: ${error.message}`)));
  };
  renewLease();
  const leaseTimer = options.leases ? setInterval(renewLease, options.leaseMs ?? 2000) : undefined;
  leaseTimer?.unref();

  return {
    nodeName,
    bootId,
    agent,
    async close() {
      clearInterval(cpuTimer);
      clearInterval(leaseTimer);
      await loop.stop();
      closed = true;
      await agent.close();
      await shipper?.stop();
    },
  };
}
