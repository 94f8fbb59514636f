import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { NodeCapacity, PodIsolation, Taint } from '@tide/core';
import { closeServer, componentState, describeLogSource, serveProbes, urlOf, type ComponentLog, type ProcessState, type RequestHandler } from '@tide/process';
import { createArtifactCache } from './artifact-cache.js';
import { openNodeAgent } from './node-agent.js';
import { startNodeLoop, type NodeLoop, type NodeLoopOptions } from './node-loop.js';
import { recordLateSpans, recordPodSpan } from './pod-spans.js';
import { systemClock } from './clock.js';
import { openKvStore } from './kv-store.js';
import { createQueueSender } from './queue-sender.js';
import { recordsApiPublisher } from './adapters/records-api.js';
import { secretEnvApi } from './adapters/secret-env-api.js';
import { chooseSandbox, unsandboxedNotice, type SandboxSetting } from './adapters/pod-sandbox.js';
import { defaultRuntimeEntry } from './runtime-entry.js';

export interface NodeProcessOptions {
  /** The log to follow (opened, and closed at stop, by the node), or a process state shared with other components. */
  log: ComponentLog;
  name: string;
  dataDir: string;
  /** Where artifacts come from: fetched by digest from control planes (comma-separated URLs), or a local store's path. */
  artifacts: { servers: string; cacheMb?: number } | { localPath: (digest: string) => Promise<string> };
  capacity: NodeCapacity;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** The address pods listen on and gateways reach them at (default 127.0.0.1: one machine). */
  address?: string;
  /** Pre-started runtime processes (0 disables the warm pool). */
  warmPoolSize?: number;
  /**
   * 'bwrap': each pod's runtime in its own namespaces as its own uid (fails at start where it
   * cannot); 'none': bare processes; 'auto' (default): bwrap where the machine can, else none.
   */
  sandbox?: SandboxSetting;
  /** Unsandboxed, run every namespace's code anyway (else namespace default's only). */
  insecureSingleTenant?: boolean;
  /** Ports of this machine sandboxed pods may still connect to (the gateway's, when it runs here). */
  podReachablePorts?: readonly number[];
  /** Record each traced call of the pods as a span (an OpenTelemetry exporter is configured). */
  tracePods?: boolean;
  /**
   * A control plane whose records API publishes pods' queue sends (`env.RESERVATIONS.send()`);
   * absent = the artifacts' servers when there are some, else pods' sends are refused.
   */
  recordsServer?: string;
  /** The node's own bearer token (node-credential.ts), for control planes' artifacts, records and secrets APIs. */
  token?: string;
  /** Serve /metrics, /healthz and /readyz on a port of the node's own (`tide node --port`); absent: no server. */
  listen?: { port: number; host: string };
  /** Serves /metrics for Prometheus (startMetrics of @tide/telemetry, service tide-node). */
  metrics?: { handle: RequestHandler };
  /** Told of its pods' readiness before it is appended: a gateway in the same process (node-loop.ts). */
  onPodReadiness?: NodeLoopOptions['onPodReadiness'];
  report: (line: string) => void;
}

export interface RunningNode {
  state: ProcessState;
  node: NodeLoop;
  /** Where its /metrics, /healthz and /readyz answer, when it listens (options.listen). */
  url?: string;
  /** Stops every pod gracefully, then the log if the node opened it. */
  stop(): Promise<void>;
}

/**
 * A node: the agent that runs the pods bound to it as processes, registers the node, renews its
 * lease, reports its pods and ships what they print.
 */
export async function startNode(options: NodeProcessOptions): Promise<RunningNode> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const { report } = options;
  // A node asked to sandbox its pods says why it cannot before it joins (the agent checks again);
  // one that cannot, unasked, says so and what it will run instead.
  const sandbox = chooseSandbox(options.sandbox ?? 'auto', {
    dataDir: join(dataDir, 'agent'),
    nodePath: process.execPath,
    runtimeEntry: defaultRuntimeEntry(),
  });
  const isolation: PodIsolation = { sandbox: sandbox.mode, insecureSingleTenant: options.insecureSingleTenant ?? false };
  if (sandbox.mode === 'none') report(unsandboxedNotice(sandbox.unavailable ?? '--sandbox none', isolation.insecureSingleTenant));
  const onError = (error: Error) => report(`error: ${error.message}`);
  const { state, release } = await componentState(options.log, report, onError);
  const artifactPath =
    'localPath' in options.artifacts
      ? options.artifacts.localPath
      : pathFromCache(join(dataDir, 'artifacts'), options.artifacts.servers, { cacheMb: options.artifacts.cacheMb, token: options.token }, onError);
  const address = options.address ?? '127.0.0.1';
  // Pods' KV calls are answered from this node's view of the KV topic (kv-store.ts).
  const kv = openKvStore({ log: state.log, clock: systemClock, onError });
  // Pods' queue sends go to a control plane's records API, which owns the topics (queue-sender.ts).
  const recordsServer = options.recordsServer ?? ('servers' in options.artifacts ? options.artifacts.servers.split(',')[0] : undefined);
  // Pods' secrets are opened by a control plane, which alone holds the key, for this node's pods only.
  const secretServers = 'servers' in options.artifacts ? options.artifacts.servers : options.recordsServer;
  const node = await startNodeLoop({
    store: state.store,
    nodeName: options.name,
    address,
    capacity: options.capacity,
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.taints ? { taints: options.taints } : {}),
    isolation,
    openAgent: (onReport, onPodLog) =>
      openNodeAgent({
        dataDir: join(dataDir, 'agent'),
        podHost: address,
        kv,
        ...(recordsServer ? { queues: createQueueSender(recordsApiPublisher(recordsServer, options.token)) } : {}),
        ...(options.tracePods ? { onInvocation: recordPodSpan, onSpans: recordLateSpans } : {}),
        onReport,
        onLog: (pod, stream, line, traceId) => {
          report(`[${pod}] ${stream === 'stderr' ? '! ' : ''}${line}`);
          onPodLog(pod, stream, line, traceId);
        },
        ...(options.warmPoolSize === undefined ? {} : { warmPool: { size: options.warmPoolSize } }),
        sandbox: sandbox.mode,
        ...(options.podReachablePorts ? { podReachablePorts: options.podReachablePorts } : {}),
      }),
    artifactPath,
    ...(secretServers ? { secretEnv: secretEnvApi(secretServers, options.token) } : {}),
    metrics: state.log,
    leases: state.log,
    logs: state.log,
    ...(options.onPodReadiness ? { onPodReadiness: options.onPodReadiness } : {}),
    onError,
  }).catch(async (error: unknown) => {
    await kv.close(); // nothing would stop it following the KV topic otherwise
    throw error;
  });
  const server = options.listen
    ? await serveProbes(state, options.metrics, options.listen, 'a node').catch(async (error: unknown) => {
        await node.close();
        await kv.close();
        await release();
        throw error;
      })
    : undefined;
  const url = server && options.listen ? urlOf(server, options.listen.host) : undefined;
  if ('source' in options.log)
    report(`node ${options.name} is up (boot ${node.bootId}), following ${describeLogSource(state.source)}${url ? `, serving /metrics at ${url}` : ''}`);
  let stopping: Promise<void> | undefined;
  return {
    state,
    node,
    ...(url ? { url } : {}),
    stop: () =>
      (stopping ??= (async () => {
        await closeServer(server);
        await node.close();
        await kv.close();
        await release();
      })()),
  };
}

function pathFromCache(dir: string, servers: string, settings: { cacheMb: number | undefined; token: string | undefined }, onError: (error: Error) => void) {
  const { cacheMb, token } = settings;
  const cache = createArtifactCache(dir, servers, {
    onError,
    ...(cacheMb === undefined ? {} : { maxBytes: cacheMb * 1024 * 1024 }),
    ...(token === undefined ? {} : { token }),
  });
  return (digest: string) => cache.path(digest);
}
