import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { mkdir, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { StateStore } from '@tide/core';
import { ADMIN_TOKEN_FILE, issueNodeToken, startControlPlane, type SecretKeySettings } from '@tide/control-plane';
import { createReadyAhead, serveUpgradeAsRequest, startGateway } from '@tide/gateway';
import { defaultNodeCapacity, startNode, type RunningNode } from '@tide/node-agent';
import { listen, openProcessState, urlOf, type LogSource, type RequestHandler } from '@tide/process';
import { startTriggers, TRIGGER_ENGINES, type TriggerEngine } from '@tide/triggers';
import { createApiClient } from '../api-client.js';
import { localServerEntry } from '../local-server-entry.js';
import { deploy } from './deploy.js';
import { checkIngress, ownListen, startIngress, type IngressKind } from './up-ingress.js';

export interface UpOptions {
  port: number;
  host: string;
  dataDir: string;
  /** The CLI's config file, where this Tide names its URL and admin token file for the commands typed next. */
  cliConfig?: string;
  /** TIDE_ADMIN_TOKEN / TIDE_BOOTSTRAP_TOKEN: the first tokens' whole strings, as `tide control-plane` takes them (Kafka members share them). */
  adminToken?: string;
  bootstrapToken?: string;
  /** What serves callers: the built-in gateway (default) or haproxy in front of it, the gateway its activator. */
  ingress?: IngressKind;
  /** Functions also answer at `<name>.<namespace>.<domain>` on the same port (default localhost). */
  domain?: string;
  /** Directories of functions to deploy once Tide is up (the examples for `npm start`). */
  deployDirs: string[];
  /** Pre-started runtime processes kept on the node (0 disables the warm pool). */
  warmPoolSize?: number;
  /** How nodes isolate their pods ('bwrap' fails at start where the machine cannot). Default 'auto'. */
  sandbox?: 'auto' | 'bwrap' | 'none';
  /** Unsandboxed nodes run every namespace's code (else namespace default's only). */
  insecureSingleTenant?: boolean;
  /** Ports of this machine sandboxed pods may connect to besides Tide's own (--allow-pod-port). */
  allowPodPorts?: readonly number[];
  /** A node that does not renew its lease for this long becomes NotReady (default 10). */
  nodeGraceSeconds: number;
  /** 1: one node in this process; N > 1: N `tide node` processes sharing the machine; 0: none (start them yourself). */
  nodes: number;
  /** This CLI's entry, to start `tide node` processes with. */
  cliEntry: string;
  /** Serves /metrics for Prometheus. */
  metrics?: { handle: RequestHandler };
  /** The Kafka cluster to run on (TIDE_KAFKA_BROKERS): the whole of Tide in this process as one member of it; else the embedded log. */
  kafka?: Extract<LogSource, { kind: 'kafka' }>;
  /** The OTEL_* settings of this process, handed to the node processes it starts (they export like it does). */
  otelEnv: Record<string, string>;
  /** The TIDE_KAFKA_* settings handed to the node processes it starts. */
  kafkaEnv: Record<string, string>;
  /** Record each traced call of the pods as a span (an OpenTelemetry exporter is configured). */
  tracePods?: boolean;
  /** Where the key that seals secrets comes from (TIDE_SECRET_KEY...); none given, `<data>/secret.key`. */
  secretKeys?: SecretKeySettings;
  /** The triggers process's engines (default TRIGGER_ENGINES: Kafka triggers, cron, the async worker). */
  triggerEngines?: readonly TriggerEngine[];
  /** Where each component's lines go (`up` for its own, `control-plane`, `gateway`, `triggers`, `node`, `node-N`), in the format asked for. */
  logFor: (component: string) => (line: string) => void;
}

export interface RunningTide {
  url: string;
  server: Server;
  store: StateStore;
  /** Graceful stop: stop accepting, drain in-flight calls, stop pods, close the log. */
  stop(): Promise<void>;
}

/**
 * `tide up`: a control plane, a gateway, triggers and a node on one port, sharing one folded log — the
 * embedded log, or Kafka, where it is one member of a cluster like any `tide control-plane` +
 * `tide gateway` + `tide node`, and any number may run.
 */
export async function up(options: UpOptions): Promise<RunningTide> {
  const dataDir = resolve(options.dataDir);
  checkIngress(options.ingress);
  await mkdir(dataDir, { recursive: true });
  const report = options.logFor('up');
  const source: LogSource = options.kafka ?? { kind: 'embedded', dataDir };
  const onKafka = source.kind === 'kafka';
  const state = await openProcessState({ source, report, onError: (error) => report(`error: ${error.message}`) });
  let ready = false;
  const controlPlane = await startControlPlane({
    log: { shared: state },
    dataDir,
    nodeGraceSeconds: options.nodeGraceSeconds,
    // One process holds the embedded log's lock, so its leadership id can outlive restarts.
    holder: onKafka ? `tide-up@${hostname()}:${process.pid}` : `tide-up:${dataDir}`,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    ...(options.bootstrapToken ? { bootstrapToken: options.bootstrapToken } : {}),
    ready: () => ready,
    ...(options.secretKeys ? { secretKeys: options.secretKeys } : {}),
    report: options.logFor('control-plane'),
  });
  // An upgraded data directory gets its first tokens once the leader raises the fold rules: the
  // node's credential and the CLI's entry need them, so this Tide is up only then.
  await controlPlane.tokensReady;
  // Its own triggers present it to the gateway to call a module's queue() / scheduled(); a new one each start.
  const componentToken = randomBytes(32).toString('hex');
  // The local node tells the gateway of a bound pod's readiness before its report is folded.
  const readyAhead = createReadyAhead();
  const gateway = await startGateway({
    log: { shared: state },
    readyAhead,
    ...(options.domain ? { domain: options.domain } : {}),
    componentToken,
    report: options.logFor('gateway'),
  });
  // One port: a request whose Host names a function (or whose path is /fn/...) goes to it, everything else to the API.
  const own = ownListen(options.ingress, options.port, options.host);
  const server = await listen((req, res) => gateway.handle(req, res) || controlPlane.handle(req, res), own.port, own.host);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!gateway.handleUpgrade(req, socket, head)) serveUpgradeAsRequest(req, socket, controlPlane.handle);
  });
  const ingress = await startIngress({ kind: options.ingress, server, ...options, dataDir, domain: gateway.domain, state, report: options.logFor('ingress') });
  const url = ingress?.url ?? urlOf(server, options.host);
  const triggers = await startTriggers({
    log: { shared: state },
    gatewayUrl: url,
    componentToken,
    engines: options.triggerEngines ?? TRIGGER_ENGINES,
    // As the control plane's: a restarted tide up leads its triggers again at once, not after the grace.
    ...(onKafka ? {} : { leadership: { holder: `tide-up:${dataDir}` } }),
    report: options.logFor('triggers'),
  });
  // On Kafka several may run: a node name must be the cluster's only one of that name.
  const localNode = onKafka ? `${hostname()}-${process.pid}` : 'local';
  const node: RunningNode | undefined =
    options.nodes === 1
      ? await startNode({
          log: { shared: state },
          name: localNode,
          // Its pods' queue sends reach the records API over HTTP: with a node credential of its own.
          ...(await localNodeToken(state.store, localNode, report)),
          dataDir: join(dataDir, 'node'),
          artifacts: { localPath: (digest) => controlPlane.artifacts.verifiedPath(digest) },
          // Pods' queue sends go through this control plane's records API.
          recordsServer: url,
          capacity: defaultNodeCapacity(),
          ...(options.warmPoolSize === undefined ? {} : { warmPoolSize: options.warmPoolSize }),
          ...(options.sandbox ? { sandbox: options.sandbox } : {}),
          ...(options.insecureSingleTenant ? { insecureSingleTenant: true } : {}),
          // Its pods may call other functions through this port (its API asks them for a token).
          podReachablePorts: [Number(new URL(url).port), ...(options.allowPodPorts ?? [])],
          ...(options.tracePods ? { tracePods: true } : {}),
          onPodReadiness: readyAhead.report,
          report: options.logFor('node'),
        })
      : undefined;
  // Separate node processes join with the cluster's bootstrap token (in their environment, never argv).
  const nodeProcesses = options.nodes > 1 ? startNodeProcesses(options, url, dataDir, controlPlane.bootstrapToken) : [];
  if (nodeProcesses.length)
    await nodesRegistered(
      state.store,
      nodeProcesses.map((p) => p.name),
      report,
    );
  ready = true;
  report(
    `API and gateway listening at ${url} (${onKafka ? `Kafka ${source.brokers.join(',')}` : `data in ${dataDir}`}, state at offset ${state.store.state().offset})`,
  );

  // Before it says it is up: a command typed (or run by a script) the moment it does finds its token.
  const forgetLocalServer =
    options.cliConfig && controlPlane.adminToken ? localServerEntry(options.cliConfig, url, join(dataDir, ADMIN_TOKEN_FILE), report) : () => undefined;
  const client = createApiClient(url, { token: controlPlane.adminToken, source: `the admin token in ${dataDir}` });
  for (const dir of options.deployDirs) {
    try {
      const result = await deploy(client, { dir, namespace: 'default', env: {}, waitSeconds: 60, domain: gateway.domain, log: () => {} });
      report(`deployed ${result.fn.metadata.name} (${result.fn.status.latestRevision}) in ${result.ms} ms: curl ${result.url} or curl ${result.hostUrl}`);
    } catch (error) {
      report(`could not deploy ${dir}: ${(error as Error).message}`);
    }
  }
  report(`Tide is up at ${url}`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      ready = false;
      // Deliveries in flight finish through the gateway before it drains.
      await triggers.stop();
      await ingress?.stop();
      server.close();
      await gateway.drain();
      server.closeAllConnections();
      await controlPlane.stop();
      await node?.stop();
      await Promise.all(nodeProcesses.map((p) => p.stop()));
      await gateway.stop();
      await state.close();
      forgetLocalServer();
    })());
  return { url, server, store: state.store, stop };
}

/**
 * `tide up --nodes N`: N node agents, each a `tide node` process that ends with this one. They
 * share this machine: each declares its share of it, not the whole.
 */
function startNodeProcesses(options: UpOptions, url: string, dataDir: string, bootstrapToken: string | undefined) {
  const share = defaultNodeCapacity(options.nodes);
  const nodes = [];
  for (let i = 1; i <= options.nodes; i++) {
    const name = `node-${i}`;
    const args = ['node', '--server', url, '--name', name, '--data', join(dataDir, 'nodes', name), '--exit-with-parent'];
    args.push('--memory', String(share.memoryMb), '--cpu', String(share.cpuMilli), '--pods', String(share.pods));
    const child = spawn(process.execPath, [options.cliEntry, ...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        ...(options.warmPoolSize === undefined ? {} : { TIDE_WARM_POOL: String(options.warmPoolSize) }),
        ...(options.sandbox ? { TIDE_SANDBOX: options.sandbox } : {}),
        ...(options.insecureSingleTenant ? { TIDE_INSECURE_SINGLE_TENANT: '1' } : {}),
        ...(options.allowPodPorts?.length ? { TIDE_ALLOW_POD_PORTS: options.allowPodPorts.join(',') } : {}),
        ...(bootstrapToken ? { TIDE_BOOTSTRAP_TOKEN: bootstrapToken } : {}),
        ...options.kafkaEnv,
        ...options.otelEnv,
      },
    });
    const report = options.logFor(name);
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) report(`[${name}] ${line.replace(/^\S+Z /, '')}`);
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

/**
 * Waits (at most `maxMs`) until the node processes it started have registered and are Ready, so
 * that "Tide is up" means its nodes are too; says which are missing if some are not.
 */
async function nodesRegistered(store: StateStore, names: string[], report: (line: string) => void, maxMs = 60_000): Promise<void> {
  const missing = () => names.filter((name) => !store.state().nodes.get(name)?.status.ready);
  if (missing().length === 0) return;
  await new Promise<void>((done) => {
    const timer = setTimeout(finish, maxMs);
    const unsubscribe = store.subscribe(() => missing().length === 0 && finish());
    function finish() {
      clearTimeout(timer);
      unsubscribe();
      done();
    }
  });
  const late = missing();
  if (late.length) report(`nodes not ready after ${maxMs / 1000} s: ${late.join(', ')} (they may still join; their output above says why)`);
}

/** The example functions shipped in the repository's functions/ directory. */
export async function exampleDirs(repoRoot: string): Promise<string[]> {
  const root = join(repoRoot, 'functions');
  const wanted = ['hello', 'echo', 'hono-app'];
  const present = new Set(await readdir(root).catch(() => [] as string[]));
  return wanted.filter((name) => present.has(name)).map((name) => join(root, name));
}

/**
 * The in-process node's own credential (a fresh one each start, the previous revoked), for the
 * one thing it asks the API over HTTP: publishing its pods' queue sends. A log whose rules do not
 * know tokens yet (an old cluster mid-upgrade) gets none: sends are refused until it does.
 */
async function localNodeToken(store: StateStore, node: string, report: (line: string) => void): Promise<{ token?: string }> {
  try {
    return { token: await issueNodeToken(store, node, { kind: 'control-plane', name: 'tide-up' }) };
  } catch (error) {
    report(`node ${node}: no credential for queue sends yet: ${(error as Error).message}`);
    return {};
  }
}
