import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startReconcileLoop, type EventInput, type Pod, type ReconcileLoop, type StateStore } from '@tide/core';
import { LogCorruptionError, LogLockedError, openEmbeddedLog, type EmbeddedLog, type EventLog } from '@tide/log';
import { startLeaderElection, startNodeLifecycle, startRevisionController } from '@tide/controllers';
import { startScheduler } from '@tide/scheduler';
import { startAutoscaler } from '@tide/autoscaler';
import { createGateway, createStateRouteTable, startLoadReporter, type Gateway, type LoadReporter } from '@tide/gateway';
import { metrics } from '@opentelemetry/api';
import { recordRemoteSpan } from '@tide/telemetry';
import type { NodeAgentOptions } from '@tide/node-agent';
import { CliError } from '../api-client.js';

/** Seconds, from half a millisecond to ten seconds: the range calls and appends live in. */
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Opens the embedded log of a data directory, turning its refusals into messages that say what to do. */
export async function openDataLog(dataDir: string, log: (line: string) => void): Promise<EmbeddedLog> {
  try {
    return await openEmbeddedLog(join(dataDir, 'log'), { onWarning: (warning) => log(`log: ${warning.message}`) });
  } catch (error) {
    if (error instanceof LogLockedError) throw new CliError(`${dataDir} is in use by another Tide (pid ${error.pid}): stop it first or use --data / TIDE_DATA`);
    if (error instanceof LogCorruptionError) {
      throw new CliError(
        `the event log is damaged in the middle: ${error.file} at byte ${error.offset} (record ${error.recordOffset}, ${error.reason}).\n` +
          `Tide will not skip it silently. To cut the log there on purpose, losing every record from ${error.recordOffset} on, run:\n` +
          `  tide log repair --data ${dataDir}`,
      );
    }
    throw error;
  }
}

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
          // The agent knows a pod as namespace.name (agentPodName): the cluster's name for it is the rest.
          'tide.pod': pod.name.slice(pod.namespace.length + 1),
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

/**
 * Opens the log a process shares with the rest of the cluster: Kafka when brokers are given. An
 * outage is reported once when it starts and once when it ends (`report`), not per retry.
 */
export async function openClusterLog(options: { kafkaBrokers?: string | undefined; fallback: () => Promise<EventLog>; report: (line: string) => void }): Promise<ClusterLog> {
  if (!options.kafkaBrokers) return options.fallback();
  // Loaded only in Kafka mode, so one-machine Tide never loads kafkajs.
  const { openKafkaLog } = await import('@tide/log-kafka');
  const brokers = options.kafkaBrokers.split(',').map((b) => b.trim()).filter(Boolean);
  const where = `Kafka at ${brokers.join(', ')}`;
  const fetchWait = process.env.TIDE_KAFKA_FETCH_WAIT_MS;
  if (fetchWait !== undefined && !/^\d{1,5}$/.test(fetchWait)) throw new CliError(`TIDE_KAFKA_FETCH_WAIT_MS must be a number of milliseconds, got "${fetchWait.slice(0, 40)}"`);
  try {
    return await openKafkaLog({
      brokers,
      // How long a follower's Fetch waits at a broker with nothing new (real Kafka answers as soon as a record arrives).
      ...(fetchWait === undefined ? {} : { fetchMaxWaitMs: Number(fetchWait) }),
      onConnectivity: (change) =>
        options.report(
          change.reachable
            ? `event log: ${where} answers again (unreachable for ${(change.downForMs / 1000).toFixed(1)} s)`
            : `event log: cannot reach ${where}: ${change.error}; retrying until it answers (writes fail with 503 meanwhile)`,
        ),
    });
  } catch (error) {
    throw new CliError(`cannot reach Kafka at ${brokers.join(', ')} (TIDE_KAFKA_BROKERS): ${(error as Error).message}`);
  }
}

/** The cluster's log, and on Kafka whether the cluster currently answers. */
export type ClusterLog = EventLog & { connectivity?: () => { reachable: boolean } };

export const logReachable = (log: ClusterLog) => log.connectivity?.().reachable ?? true;

/** Says, in the process's output, that the state stream lost its history and the process starts over. */
export function reportStateResets(store: StateStore, report: (line: string) => void): void {
  store.onReset((reason) =>
    report(
      `event log: ${reason.message.split(';')[0]}. Starting over from the log as it is now: ` +
        'functions, pods and nodes recorded before are gone (nodes register again; deploy functions again)',
    ),
  );
}

/** Times every append of the log for Prometheus (tide_log_append_seconds): the port, wrapped at the edge. */
export function timeAppends<T extends Pick<EventLog, 'append'>>(log: T): T {
  const histogram = metrics.getMeter('tide-log').createHistogram('tide_log_append_seconds', { description: 'Time until an append is durable', unit: 's', advice: { explicitBucketBoundaries: SECONDS_BUCKETS } });
  const append = log.append.bind(log);
  log.append = async (topic, records) => {
    const started = performance.now();
    try {
      return await append(topic, records);
    } finally {
      histogram.record((performance.now() - started) / 1000, { topic });
    }
  };
  return log;
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
