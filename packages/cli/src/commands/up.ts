import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { openStateStore, type StateStore } from '@tide/core';
import { openSnapshotFiles } from '@tide/log';
import { hostname } from 'node:os';
import { createControlPlaneApp, observeClusterMetrics, openArtifactStore, replicateArtifacts } from '@tide/control-plane';
import type { MetricsEndpoint } from '@tide/telemetry';
import { openNodeAgent, startNodeLoop, type NodeLoop } from '@tide/node-agent';
import { createApiClient } from '../api-client.js';
import { deploy } from './deploy.js';
import { API_LIMITS, describeLeadership, drainGateway, ensureDefaultNamespace, keepDefaultNamespace, listen, otelEnv, podSpans, startClusterLoops, startGatewayParts, urlOf } from './parts.js';
import { logReachable, openClusterLog, openDataLog, reportStateResets, timeAppends } from './cluster-log.js';
import { defaultNodeCapacity } from './node.js';

export interface UpOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Directories of functions to deploy once Tide is up (the examples for `npm start`). */
  deployDirs: string[];
  /** Pre-started runtime processes kept on the node (0 disables the warm pool). */
  warmPoolSize?: number;
  /** A node that does not renew its lease for this long becomes NotReady (default 10). */
  nodeGraceSeconds: number;
  /** 1: one node in this process; N > 1: N `tide node` processes; 0: none (start them yourself). */
  nodes: number;
  /** This CLI's entry, to start `tide node` processes with. */
  cliEntry: string;
  /** Serves /metrics for Prometheus. */
  metrics?: MetricsEndpoint;
  /** Kafka brokers (TIDE_KAFKA_BROKERS): the whole of Tide in this process, on Kafka instead of the embedded log. */
  kafkaBrokers?: string;
  /** Record each traced call of the pods as a span (an OpenTelemetry exporter is configured). */
  tracePods?: boolean;
  log: (line: string) => void;
}

export interface RunningTide {
  url: string;
  server: Server;
  store: StateStore;
  /** Graceful stop: stop accepting, drain in-flight calls, stop pods, close the log. */
  stop(): Promise<void>;
}


/**
 * `tide up`: API server, gateway, controllers, scheduler and one node, on one port, with the
 * embedded log — or with Kafka (`kafkaBrokers`), where it is one member of a cluster like any
 * `tide control-plane` + `tide gateway` + `tide node`, and any number may run.
 */
export async function up(options: UpOptions): Promise<RunningTide> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const onKafka = Boolean(options.kafkaBrokers);
  const log = timeAppends(await openClusterLog({ kafkaBrokers: options.kafkaBrokers, fallback: () => openDataLog(dataDir, options.log), report: options.log }));
  const onError = (error: Error) => options.log(`error: ${error.message}`);
  // Snapshots are a cache of the embedded log's fold; on Kafka the fold replays the topic.
  const snapshots = onKafka ? undefined : await openSnapshotFiles(join(dataDir, 'snapshots'), { onWarning: (m) => options.log(m) });
  const store = await openStateStore({ log, ...(snapshots ? { snapshots } : {}), onError });
  reportStateResets(store, options.log);
  await ensureDefaultNamespace(store);
  const defaultNamespace = onKafka ? keepDefaultNamespace(store, onError) : undefined;

  const localArtifacts = await openArtifactStore(join(dataDir, 'artifacts'));
  // On Kafka other control planes may serve the API too: uploads travel through tide.artifacts.
  const replicated = onKafka ? await replicateArtifacts(localArtifacts, log, onError) : undefined;
  const artifacts = replicated ?? localArtifacts;
  let ready = false;
  const app = createControlPlaneApp({ store, log, artifacts, limits: API_LIMITS }, { ready: () => ready && logReachable(log) });
  const gatewayParts = startGatewayParts(store, log, onError);
  const { gateway } = gatewayParts;
  const api = getRequestListener(app.fetch);
  observeClusterMetrics(store);
  const server = await listen((req, res) => {
    if (req.url === '/metrics' && options.metrics) return options.metrics.handle(req, res);
    if (!gateway.handle(req, res)) void api(req, res);
  }, options.port, options.host);
  const url = urlOf(server, options.host);

  // One process holds the embedded log's lock, so its leadership id can outlive restarts.
  const loops = await startClusterLoops({
    store,
    log,
    nodeGraceSeconds: options.nodeGraceSeconds,
    holder: onKafka ? `tide-up@${hostname()}:${process.pid}` : `tide-up:${dataDir}`,
    onError,
    onUnschedulable: (pod, reasons) => options.log(`pod ${pod.metadata.name} is unschedulable: ${reasons.join('; ')}`),
    // Only worth saying when others may lead: on the embedded log this process always does.
    ...(onKafka ? { onLeadership: (leading: boolean, epoch: number) => options.log(describeLeadership(leading, epoch)) } : {}),
  });
  const node: NodeLoop | undefined =
    options.nodes === 1
      ? await startNodeLoop({
          store,
          // On Kafka several may run: a node name must be the cluster's only one of that name.
          nodeName: onKafka ? `${hostname()}-${process.pid}` : 'local',
          address: '127.0.0.1',
          capacity: defaultNodeCapacity(),
          openAgent: (onReport, onPodLog) =>
            openNodeAgent({
              dataDir: join(dataDir, 'node'),
              onReport,
              ...podSpans(options.tracePods),
              onLog: (pod, stream, line) => {
                options.log(`[${pod}] ${stream === 'stderr' ? '! ' : ''}${line}`);
                onPodLog(pod, stream, line);
              },
              ...(options.warmPoolSize === undefined ? {} : { warmPool: { size: options.warmPoolSize } }),
            }),
          artifactPath: async (digest) => artifacts.pathOf(digest),
          metrics: log,
          leases: log,
          logs: log,
          onError,
        })
      : undefined;
  const nodeProcesses = options.nodes > 1 ? await startNodeProcesses(options, url, dataDir) : [];
  ready = true;
  options.log(`API and gateway listening at ${url} (${onKafka ? `Kafka ${options.kafkaBrokers}` : `data in ${dataDir}`}, state at offset ${store.state().offset})`);

  const client = createApiClient(url);
  for (const dir of options.deployDirs) {
    try {
      const result = await deploy(client, { dir, namespace: 'default', env: {}, waitSeconds: 60, log: () => {} });
      options.log(`deployed ${result.fn.metadata.name} (${result.fn.status.latestRevision}) in ${result.ms} ms: curl ${result.url}`);
    } catch (error) {
      options.log(`could not deploy ${dir}: ${(error as Error).message}`);
    }
  }
  options.log(`Tide is up at ${url}`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      ready = false;
      server.close();
      await drainGateway(gateway);
      server.closeAllConnections();
      await loops.stop();
      await defaultNamespace?.stop();
      await node?.close();
      await Promise.all(nodeProcesses.map((p) => p.stop()));
      await gatewayParts.stop();
      await replicated?.close();
      await store.close();
      await log.close();
    })());
  return { url, server, store, stop };
}

/** `tide up --nodes N`: N node agents, each a `tide node` process that ends with this one. */
async function startNodeProcesses(options: UpOptions, url: string, dataDir: string) {
  const nodes = [];
  for (let i = 1; i <= options.nodes; i++) {
    const name = `node-${i}`;
    const child = spawn(process.execPath, [options.cliEntry, 'node', '--server', url, '--name', name, '--data', join(dataDir, 'nodes', name), '--exit-with-parent'], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        ...(options.warmPoolSize === undefined ? {} : { TIDE_WARM_POOL: String(options.warmPoolSize) }),
        ...(options.kafkaBrokers ? { TIDE_KAFKA_BROKERS: options.kafkaBrokers } : {}),
        ...otelEnv(),
      },
    });
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) options.log(`[${name}] ${line.replace(/^\S+Z /, '')}`);
    };
    child.stdout!.on('data', relay);
    child.stderr!.on('data', relay);
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    nodes.push({
      name,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    });
  }
  return nodes;
}



/** The example functions shipped in the repository's functions/ directory. */
export async function exampleDirs(repoRoot: string): Promise<string[]> {
  const root = join(repoRoot, 'functions');
  const wanted = ['hello', 'echo', 'hono-app'];
  const present = new Set(await readdir(root).catch(() => [] as string[]));
  return wanted.filter((name) => present.has(name)).map((name) => join(root, name));
}
