import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { startReconcileLoop, type EventInput, type Pod, type ReconcileLoop, type StateStore } from '@tide/core';
import type { EventLog } from '@tide/log';
import { startLeaderElection, startNodeLifecycle, startRevisionController } from '@tide/controllers';
import { startScheduler } from '@tide/scheduler';
import { startAutoscaler } from '@tide/autoscaler';
import { createGateway, createStateRouteTable, startLoadReporter, type Gateway, type LoadReporter } from '@tide/gateway';
import { recordRemoteSpan } from '@tide/telemetry';
import { clusterPodName, type NodeAgentOptions } from '@tide/node-agent';
import { CliError } from '../api-client.js';

/**
 * The loops that act on the cluster — revision controller, scheduler, autoscaler, node lifecycle —
 * acting only while this process leads (an election through the log, so any number of control
 * planes may run them; one acts, and a deposed one's writes are rejected by the fold).
 */
export async function startClusterLoops(options: {
  store: StateStore;
  log: EventLog;
  nodeGraceSeconds: number;
  holder: string;
  onError: (error: Error) => void;
  onUnschedulable?: (pod: Pod, reasons: string[]) => void;
  onLeadership?: (leading: boolean, epoch: number) => void;
}) {
  const { store, log, onError } = options;
  const election = await startLeaderElection({
    store,
    leases: log,
    role: 'controllers',
    holder: options.holder,
    graceMs: options.nodeGraceSeconds * 1000,
    onError,
    ...(options.onLeadership ? { onChange: options.onLeadership } : {}),
  });
  const leader = election.current;
  const loops = [
    startRevisionController(store, { onError, leader }),
    startScheduler(store, { onError, leader, ...(options.onUnschedulable ? { onUnschedulable: options.onUnschedulable } : {}) }),
  ];
  const autoscaler = await startAutoscaler({ store, metrics: log, onError, leader });
  const lifecycle = await startNodeLifecycle({ store, leases: log, graceMs: options.nodeGraceSeconds * 1000, onError, leader });
  return {
    election,
    async stop() {
      await autoscaler.stop();
      await lifecycle.stop();
      await Promise.all(loops.map((l) => l.stop()));
      await election.stop();
    },
  };
}

/** What a control plane says when it starts or stops leading the cluster's controllers. */
export function describeLeadership(leading: boolean, epoch: number): string {
  if (leading) return `leading the cluster (epoch ${epoch})`;
  return epoch === 0 ? 'not leading (no leader elected yet)' : `not leading (epoch ${epoch} is another's)`;
}

/** The gateway with its routes from the log and its load reports to the metrics topic. */
export function startGatewayParts(store: StateStore, log: EventLog, onError: (error: Error) => void) {
  const routes = createStateRouteTable(store);
  let reporter: LoadReporter | undefined;
  const gateway: Gateway = createGateway({ routes, onColdRequest: () => reporter?.flushSoon(), onLoadStep: () => reporter?.flushSoon() });
  reporter = startLoadReporter({ gateway, log, source: `gateway-${hostname()}-${process.pid}`, onError });
  return {
    gateway,
    async stop() {
      await reporter?.stop();
      routes.close();
      await gateway.close();
    },
  };
}

/**
 * With an exporter configured, each traced call a pod serves becomes the pod's span, a child of the
 * gateway's (the node agent records it for the pod: see recordRemoteSpan).
 */
export function podSpans(exporting: boolean | undefined): Pick<NodeAgentOptions, 'onInvocation'> {
  if (!exporting) return {};
  return {
    onInvocation: (pod, call) =>
      recordRemoteSpan({
        name: `invoke ${pod.namespace}/${pod.functionName}`,
        traceparent: call.traceparent,
        ...(call.tracestate === undefined ? {} : { tracestate: call.tracestate }),
        startMs: call.startMs,
        endMs: call.endMs,
        status: call.status,
        attributes: {
          'tide.namespace': pod.namespace,
          'tide.function': pod.functionName,
          'tide.revision': pod.revision,
          'tide.pod': clusterPodName(pod),
          'tide.first_call': call.first,
          'http.request.method': call.method,
          'url.path': call.path,
          'http.response.status_code': call.status,
        },
      }),
  };
}

/** The OTEL_* settings of this process, for the processes it starts (they export like it does). */
export function otelEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('OTEL_') && entry[1] !== undefined));
}

/** Listens on host:port, with a clear error when the port is taken. */
export function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, port: number, host: string): Promise<Server> {
  const server = createServer(handler);
  server.keepAliveTimeout = 65_000;
  return new Promise((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new CliError(`port ${port} on ${host} is already in use: stop what uses it or pass --port`) : error),
    );
    server.listen(port, host, () => resolvePromise(server));
  });
}

export function urlOf(server: Server, host: string): string {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

/** What the API accepts: manifests up to 1 MiB, bundled functions up to 64 MiB. */
export const API_LIMITS = { manifestBytes: 1024 * 1024, artifactBytes: 64 * 1024 * 1024 };

const DEFAULT_NAMESPACE: EventInput = { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} }, expect: null };

/** Creates the `default` namespace on a fresh log (a lost race with another control plane is fine). */
export async function ensureDefaultNamespace(store: StateStore): Promise<void> {
  if (store.state().namespaces.has('default')) return;
  const [bootstrap] = await store.append([DEFAULT_NAMESPACE]);
  if (!bootstrap!.verdict.accepted && bootstrap!.verdict.code !== 'already-exists') throw new Error(`cannot create the default namespace: ${bootstrap!.verdict.reason}`);
}

/** Creates `default` again whenever the log lacks it: a Kafka cluster that lost its data starts empty. */
export function keepDefaultNamespace(store: StateStore, onError: (error: Error) => void): ReconcileLoop {
  return startReconcileLoop(store, { name: 'default namespace', onError, reconcile: (state) => (state.namespaces.has('default') ? [] : [DEFAULT_NAMESPACE]) });
}

/** Waits (at most `maxMs`) for the calls a gateway has in flight to finish, before connections are cut. */
export async function drainGateway(gateway: Gateway, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (gateway.stats().inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
