import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StateStore } from '@tide/core';
import type { CommandContext, CommandSpec, FlagSpec } from './command-spec.js';
import { int, keyValues, listFromEnv, nodeAddress, positiveInt } from './flag-values.js';
import { CliError } from '../api-client.js';
import { ingressFlag, ingressOf } from './ingress-flag.js';

/** The long-running commands: all of Tide in one process, or one component each. */

const port = (fallback: number): FlagSpec => ({ type: 'string', value: 'PORT', help: `port to listen on (default ${fallback}; TIDE_PORT)` });
const host: FlagSpec = { type: 'string', value: 'HOST', help: 'address to listen on (default 127.0.0.1; TIDE_HOST; 0.0.0.0 for every interface)' };
const data = (fallback: string): FlagSpec => ({ type: 'string', value: 'DIR', help: `data directory (default ${fallback}; TIDE_DATA)` });
const warmPool: FlagSpec = { type: 'string', value: 'N', help: 'pre-started runtime processes per node, 0 to disable (default 2; TIDE_WARM_POOL)' };
const sandbox: FlagSpec = {
  type: 'string',
  value: 'auto|bwrap|none',
  help: "isolate each pod's process: bwrap = its own PID, mount, IPC and UTS namespaces and uid (needs root and bubblewrap); auto (default) = bwrap where the machine can, else none (TIDE_SANDBOX)",
};
const allowPodPort: FlagSpec = {
  type: 'string',
  multiple: true,
  value: 'PORT',
  help: "a port of this machine sandboxed pods may connect to, a local database's say (repeatable; TIDE_ALLOW_POD_PORTS=5432,6379); every other is closed to them",
};
const insecureSingleTenant: FlagSpec = {
  type: 'boolean',
  help: "where pods are not sandboxed, run every namespace's code anyway (else namespace default's only): any function can then read and signal the others (TIDE_INSECURE_SINGLE_TENANT=1)",
};
const nodeGrace: FlagSpec = { type: 'string', value: 'SECONDS', help: 'a node silent this long becomes NotReady (default 10; TIDE_NODE_GRACE_SECONDS)' };

const domain: FlagSpec = {
  type: 'string',
  value: 'DOMAIN',
  help: 'functions also answer at http://NAME.NAMESPACE.DOMAIN (default localhost, which needs no DNS; TIDE_DOMAIN)',
};

/** `--domain` or TIDE_DOMAIN: dot-separated DNS labels, as a Host header carries them. */
export function invocationDomain(flag: string | undefined, env: CommandContext['env']): string {
  const value = (flag ?? env.TIDE_DOMAIN ?? 'localhost').trim().toLowerCase().replace(/\.+$/, '');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) {
    throw new CliError(`--domain ${JSON.stringify(value)}: must be a DNS name such as localhost or fn.example.com`, 2);
  }
  return value;
}

const repoRoot = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));
const logFormat: FlagSpec = {
  type: 'string',
  value: 'text|json',
  help: 'text (default): a timestamped line each, for a terminal; json: time, level, component, msg and trace_id, for a log collector (TIDE_LOG_FORMAT)',
};

/** Each component's lines, in the format asked for (`--log-format`, TIDE_LOG_FORMAT). */
async function componentLogsFor(flags: CommandContext['flags'], env: CommandContext['env'], print: (line: string) => void) {
  const { componentLogs, parseLogFormat } = await import('@tide/process');
  return componentLogs(parseLogFormat(str(flags['log-format']), env.TIDE_LOG_FORMAT), print);
}

/** The component's lines, in the format asked for (`--log-format`, TIDE_LOG_FORMAT). */
async function reportFor(component: string, flags: CommandContext['flags'], env: CommandContext['env'], print: (line: string) => void) {
  return (await componentLogsFor(flags, env, print))(component);
}

/**
 * Where the key that seals secrets comes from: TIDE_SECRET_KEY (32 bytes, base64 or hex) or
 * TIDE_SECRET_KEY_FILE, and the keys it replaced (TIDE_SECRET_KEY_PREVIOUS, comma-separated, or
 * TIDE_SECRET_KEY_PREVIOUS_FILE, one a line). None given: `<data>/secret.key`, made on the first start.
 */
function secretKeySettings(env: CommandContext['env']) {
  return {
    ...(env.TIDE_SECRET_KEY ? { key: env.TIDE_SECRET_KEY } : {}),
    ...(env.TIDE_SECRET_KEY_FILE ? { keyFile: env.TIDE_SECRET_KEY_FILE } : {}),
    ...(env.TIDE_SECRET_KEY_PREVIOUS ? { previous: env.TIDE_SECRET_KEY_PREVIOUS } : {}),
    ...(env.TIDE_SECRET_KEY_PREVIOUS_FILE ? { previousFile: env.TIDE_SECRET_KEY_PREVIOUS_FILE } : {}),
  };
}

export const upCommand: CommandSpec = {
  name: 'up',
  summary: 'all of Tide in one process: API, gateway, controllers, scheduler, triggers and a node (TIDE_KAFKA_BROKERS: on Kafka, else the embedded log)',
  args: [],
  flags: {
    'log-format': logFormat,
    port: port(8080),
    host,
    data: data('./.tide'),
    examples: { type: 'boolean', help: 'deploy the example functions (hello, echo, hono-app) once up' },
    'warm-pool': warmPool,
    sandbox,
    'insecure-single-tenant': insecureSingleTenant,
    'allow-pod-port': allowPodPort,
    nodes: { type: 'string', value: 'N', help: '1: a node in this process (default); N > 1: N `tide node` processes sharing the machine; 0: none' },
    'node-grace': nodeGrace,
    domain,
    ingress: ingressFlag,
  },
  examples: [
    ['tide up', 'Tide on 127.0.0.1:8080 with its data in ./.tide'],
    ['tide up --ingress haproxy', "haproxy serves calls, Tide's gateway only while a function has no free pod (docs/ingress.md)"],
    ['curl hello.default.localhost:8080', 'call hello by host name (curl resolves *.localhost itself)'],
    ['tide up --examples --port 9090', 'with the examples deployed, on another port'],
    ['tide up --nodes 3', 'three node agents as separate processes'],
  ],
  async run({ flags, env, configFile, print }) {
    const logFor = await componentLogsFor(flags, env, print);
    const { startTelemetry, startMetrics } = await import('@tide/telemetry');
    const { up, exampleDirs } = await import('../commands/up.js');
    const kafka = await kafkaSource(env);
    const telemetry = startTelemetry({ serviceName: 'tide-up', env });
    const metrics = startMetrics({ serviceName: 'tide-up', env });
    const tide = await up({
      port: int('port', str(flags.port) ?? env.TIDE_PORT, 8080),
      host: str(flags.host) ?? env.TIDE_HOST ?? '127.0.0.1',
      dataDir: str(flags.data) ?? env.TIDE_DATA ?? '.tide',
      cliConfig: configFile,
      ...(env.TIDE_ADMIN_TOKEN ? { adminToken: env.TIDE_ADMIN_TOKEN } : {}),
      ...(env.TIDE_BOOTSTRAP_TOKEN ? { bootstrapToken: env.TIDE_BOOTSTRAP_TOKEN } : {}),
      domain: invocationDomain(str(flags.domain), env),
      ...ingressOf(str(flags.ingress), env),
      deployDirs: flags.examples ? await exampleDirs(repoRoot) : [],
      nodeGraceSeconds: int('node-grace', str(flags['node-grace']) ?? env.TIDE_NODE_GRACE_SECONDS, 10),
      nodes: int('nodes', str(flags.nodes), 1),
      cliEntry: fileURLToPath(new URL('../main.js', import.meta.url)),
      metrics,
      ...warmPoolSize(flags, env),
      ...sandboxMode(flags, env),
      allowPodPorts: allowedPodPorts(flags, env),
      ...(kafka ? { kafka } : {}),
      otelEnv: envStartingWith(env, 'OTEL_'),
      kafkaEnv: envStartingWith(env, 'TIDE_KAFKA_'),
      secretKeys: secretKeySettings(env),
      tracePods: telemetry.exporting,
      logFor,
    });
    stopWhenFoldHalts(
      tide.store,
      stopOnSignals(logFor('up'), 'draining in-flight calls and stopping pods', () => tide.stop(), [telemetry, metrics]),
    );
  },
};

export const controlPlaneCommand: CommandSpec = {
  name: 'control-plane',
  summary: "the API and the cluster's controllers, acting while this one leads (TIDE_KAFKA_BROKERS: on Kafka, any number)",
  args: [],
  flags: {
    'log-format': logFormat,
    port: port(8080),
    host,
    data: data('./.tide'),
    'node-grace': nodeGrace,
    'anonymous-reads': { type: 'boolean', help: 'requests without a token may read what a viewer may (TIDE_ANONYMOUS_READS=true)' },
  },
  examples: [['TIDE_KAFKA_BROKERS=kafka:9092 tide control-plane --host 0.0.0.0', 'one of several control planes on a Kafka cluster']],
  async run({ flags, env, print }) {
    const report = await reportFor('control-plane', flags, env, print);
    const { startTelemetry, startMetrics } = await import('@tide/telemetry');
    const { startControlPlane } = await import('@tide/control-plane');
    const dataDir = str(flags.data) ?? env.TIDE_DATA ?? '.tide';
    const kafka = await kafkaSource(env);
    const telemetry = startTelemetry({ serviceName: 'tide-control-plane', env });
    const metrics = startMetrics({ serviceName: 'tide-control-plane', env });
    const controlPlane = await startControlPlane({
      log: { source: kafka ?? { kind: 'embedded', dataDir: resolve(dataDir) } },
      dataDir,
      listen: { port: int('port', str(flags.port) ?? env.TIDE_PORT, 8080), host: str(flags.host) ?? env.TIDE_HOST ?? '127.0.0.1' },
      nodeGraceSeconds: int('node-grace', str(flags['node-grace']) ?? env.TIDE_NODE_GRACE_SECONDS, 10),
      metrics,
      ...(env.TIDE_ADMIN_TOKEN ? { adminToken: env.TIDE_ADMIN_TOKEN } : {}),
      ...(env.TIDE_BOOTSTRAP_TOKEN ? { bootstrapToken: env.TIDE_BOOTSTRAP_TOKEN } : {}),
      ...(flags['anonymous-reads'] === true || env.TIDE_ANONYMOUS_READS === 'true' ? { anonymousReads: true } : {}),
      secretKeys: secretKeySettings(env),
      report,
    });
    stopWhenFoldHalts(
      controlPlane.state.store,
      stopOnSignals(report, 'stopping', () => controlPlane.stop(), [telemetry, metrics]),
    );
  },
};

export const gatewayCommand: CommandSpec = {
  name: 'gateway',
  summary: "serves /fn/... and NAME.NAMESPACE.DOMAIN on its own (routes from Kafka, or from --server's log API)",
  args: [],
  flags: { port: port(8081), host, domain, 'log-format': logFormat },
  examples: [['tide gateway --port 8081 --server http://127.0.0.1:8080', 'a second gateway beside `tide up`']],
  async run({ flags, env, server, print }) {
    const report = await reportFor('gateway', flags, env, print);
    const { startTelemetry, startMetrics } = await import('@tide/telemetry');
    const { startGateway } = await import('@tide/gateway');
    const kafka = await kafkaSource(env);
    const telemetry = startTelemetry({ serviceName: 'tide-gateway', env });
    const metrics = startMetrics({ serviceName: 'tide-gateway', env });
    const gateway = await startGateway({
      log: { source: kafka ? { ...kafka, writer: kafkaWriter('gateway') } : { kind: 'http', server, ...componentToken(env, 'gateway') } },
      listen: { port: int('port', str(flags.port) ?? env.TIDE_PORT, 8081), host: str(flags.host) ?? env.TIDE_HOST ?? '127.0.0.1' },
      metrics,
      domain: invocationDomain(str(flags.domain), env),
      // Triggers processes present it to call a module's queue() / scheduled().
      ...(env.TIDE_COMPONENT_TOKEN ? { componentToken: env.TIDE_COMPONENT_TOKEN } : {}),
      report,
    });
    stopWhenFoldHalts(
      gateway.state.store,
      stopOnSignals(report, 'stopping', () => gateway.stop(), [telemetry, metrics]),
    );
  },
};

export const triggersCommand: CommandSpec = {
  name: 'triggers',
  summary: "runs Kafka-topic and cron triggers and async calls, delivering through the gateway (follows --server's log API, --data's log, or Kafka)",
  args: [],
  flags: {
    'log-format': logFormat,
    port: port(8082),
    host,
    data: { type: 'string', value: 'DIR', help: 'run on the embedded log in DIR itself (no `tide up` may hold it)' },
    gateway: { type: 'string', value: 'URL', help: 'the gateway deliveries go through (default --server; TIDE_GATEWAY)' },
  },
  details:
    'Kafka triggers run on every triggers process (their consumer groups share the partitions); cron triggers and the\n' +
    'async worker run on the one leading role `triggers`, and move to another within seconds when it stops. `tide up`\n' +
    "runs one inside itself. TIDE_COMPONENT_TOKEN must equal the gateway's, so deliveries may call queue() and scheduled().",
  examples: [
    ['tide triggers --server http://127.0.0.1:8080', 'a second triggers process beside `tide up`'],
    ['TIDE_KAFKA_BROKERS=kafka:9092 tide triggers --gateway http://gateway:8081 --host 0.0.0.0', 'one of several on a Kafka cluster'],
  ],
  async run({ flags, env, server, print }) {
    const report = await reportFor('triggers', flags, env, print);
    const { startTelemetry, startMetrics } = await import('@tide/telemetry');
    const { startTriggers, TRIGGER_ENGINES } = await import('@tide/triggers');
    const kafka = await kafkaSource(env);
    const dataDir = str(flags.data);
    const telemetry = startTelemetry({ serviceName: 'tide-triggers', env });
    const metrics = startMetrics({ serviceName: 'tide-triggers', env });
    const token = env.TIDE_COMPONENT_TOKEN;
    const triggers = await startTriggers({
      log: {
        source:
          (kafka && { ...kafka, writer: kafkaWriter('triggers') }) ??
          (dataDir ? { kind: 'embedded', dataDir: resolve(dataDir) } : { kind: 'http', server: server.split(',')[0]!, ...componentToken(env, 'triggers') }),
      },
      gatewayUrl: gatewayUrl(str(flags.gateway) ?? env.TIDE_GATEWAY ?? server.split(',')[0]!),
      ...(token ? { componentToken: token } : {}),
      listen: { port: int('port', str(flags.port) ?? env.TIDE_PORT, 8082), host: str(flags.host) ?? env.TIDE_HOST ?? '127.0.0.1' },
      metrics,
      engines: TRIGGER_ENGINES,
      report,
    });
    stopWhenFoldHalts(
      triggers.state.store,
      stopOnSignals(report, 'stopping triggers (calls in flight finish)', () => triggers.stop(), [telemetry, metrics]),
    );
  },
};

/** --gateway: an http(s) URL. */
function gatewayUrl(value: string): string {
  if (!/^https?:\/\/[^/\s]+/.test(value)) throw new CliError(`--gateway ${JSON.stringify(value)}: must be an http(s) URL such as http://127.0.0.1:8080`, 2);
  return value.replace(/\/+$/, '');
}

export const nodeCommand: CommandSpec = {
  name: 'node',
  summary: 'a node agent: runs the pods bound to it (follows --server, or Kafka)',
  args: [],
  flags: {
    'log-format': logFormat,
    name: { type: 'string', value: 'NAME', help: 'node name (default node-<random>; TIDE_NODE_NAME)' },
    data: data('./.tide/nodes/NAME'),
    memory: { type: 'string', value: 'MB', help: "memory for pods (default: this machine's share; TIDE_NODE_MEMORY_MB)" },
    cpu: { type: 'string', value: 'MILLI', help: 'CPU requests it accepts, in millicores (TIDE_NODE_CPU_MILLI)' },
    pods: { type: 'string', value: 'N', help: 'pods it runs at most (default 110; TIDE_NODE_PODS)' },
    label: { type: 'string', multiple: true, value: 'K=V', help: 'a label for node selectors (repeatable; TIDE_NODE_LABELS=k=v,k2=v2)' },
    taint: { type: 'string', multiple: true, value: 'K=V:EFFECT', help: 'a taint, NoSchedule or NoExecute (repeatable; TIDE_NODE_TAINTS)' },
    'warm-pool': warmPool,
    sandbox,
    'insecure-single-tenant': insecureSingleTenant,
    'allow-pod-port': allowPodPort,
    address: { type: 'string', value: 'IP|HOST', help: "where gateways on other machines reach this node's pods (default 127.0.0.1; TIDE_NODE_ADDRESS)" },
    'artifact-cache-mb': { type: 'string', value: 'MB', help: 'artifacts kept on disk (default 1024; TIDE_ARTIFACT_CACHE_MB)' },
    'bootstrap-token-file': {
      type: 'string',
      value: 'FILE',
      help: "the cluster's bootstrap token, for the node's first join (TIDE_BOOTSTRAP_TOKEN; `tide up` writes it to <data>/bootstrap.token)",
    },
    'exit-with-parent': { type: 'boolean', hidden: true, help: 'stop when the process that started it ends (tide up --nodes)' },
    port: { type: 'string', value: 'PORT', help: "serve /metrics, /healthz and /readyz on this port (TIDE_PORT; default none: pods' ports are apart from it)" },
    host,
  },
  details:
    'A node joins the cluster once with the bootstrap token (as `kubeadm join`) and keeps the credential it gets in\n' +
    '<data>/node.token (mode 0600); from then on it uses only that. A node with neither says so and exits 2.',
  examples: [
    ['TIDE_BOOTSTRAP_TOKEN=$(cat .tide/bootstrap.token) tide node --server http://127.0.0.1:8080 --name node-2', 'a second node beside `tide up`'],
    ['tide node --label disk=ssd --taint dedicated=gpu:NoSchedule', 'a node only some functions go to'],
    ['tide node --port 8083', 'with its /metrics on port 8083 for Prometheus'],
  ],
  async run({ flags, env, server, print }) {
    const report = await reportFor('node', flags, env, print);
    const { parseTaint, nodeName } = await import('../commands/node.js');
    const { startNode, defaultNodeCapacity, nodeCredential } = await import('@tide/node-agent');
    const { startTelemetry, startMetrics } = await import('@tide/telemetry');
    const name = str(flags.name) ?? env.TIDE_NODE_NAME ?? nodeName();
    const listenPort = str(flags.port) ?? env.TIDE_PORT;
    const dataDir = str(flags.data) ?? env.TIDE_DATA ?? join('.tide', 'nodes', name);
    const defaults = defaultNodeCapacity();
    const address = str(flags.address) ?? env.TIDE_NODE_ADDRESS;
    const cacheMb = str(flags['artifact-cache-mb']) ?? env.TIDE_ARTIFACT_CACHE_MB;
    const options = {
      name,
      dataDir,
      capacity: {
        memoryMb: int('memory', str(flags.memory) ?? env.TIDE_NODE_MEMORY_MB, defaults.memoryMb),
        cpuMilli: int('cpu', str(flags.cpu) ?? env.TIDE_NODE_CPU_MILLI, defaults.cpuMilli),
        pods: int('pods', str(flags.pods) ?? env.TIDE_NODE_PODS, defaults.pods),
      },
      labels: keyValues(list(flags.label) ?? listFromEnv(env, 'TIDE_NODE_LABELS'), 'label', '='),
      taints: (list(flags.taint) ?? listFromEnv(env, 'TIDE_NODE_TAINTS') ?? []).map(parseTaint),
      ...warmPoolSize(flags, env),
      ...sandboxMode(flags, env),
      ...(address ? { address: nodeAddress(address) } : {}),
      podReachablePorts: [...localPorts(server), ...allowedPodPorts(flags, env)],
      // Any control plane serves any artifact; the first one's log API is the node's log on one machine.
      artifacts: { servers: server, ...(cacheMb ? { cacheMb: positiveInt('artifact-cache-mb', cacheMb) } : {}) },
      report,
    };
    const kafka = await kafkaSource(env);
    // Its own credential (joining first with the bootstrap token): for the log API, artifacts and queue sends.
    await mkdir(dataDir, { recursive: true });
    const bootstrapToken = await readBootstrapToken(str(flags['bootstrap-token-file']), env);
    const token = await nodeCredential({ dataDir, node: name, servers: server, ...(bootstrapToken ? { bootstrapToken } : {}), report: options.report });
    const telemetry = startTelemetry({ serviceName: 'tide-node', env });
    const metrics = startMetrics({ serviceName: 'tide-node', env });
    // On Kafka no log API stamps who appended: the node says it itself (the fold and lease readers judge by it).
    const source = kafka ? { ...kafka, writer: `node:${name}` } : { kind: 'http' as const, server: server.split(',')[0]!, token };
    const node = await startNode({
      ...options,
      token,
      log: { source },
      tracePods: telemetry.exporting,
      // Its metrics are pushed over OTLP when OTEL_* says so, with or without a port to serve them on.
      metrics,
      ...(listenPort === undefined ? {} : { listen: { port: int('port', listenPort, 0), host: str(flags.host) ?? env.TIDE_HOST ?? '127.0.0.1' } }),
    });
    const stop = stopOnSignals(report, 'stopping pods', () => node.stop(), [telemetry, metrics]);
    stopWhenFoldHalts(node.state.store, stop);
    // Started by `tide up --nodes N`: a node does not outlive the tide that started it.
    if (flags['exit-with-parent'] && process.send) process.once('disconnect', () => stop('parent gone'));
  },
};

/** The ports of the servers on this machine (a node beside its control plane and gateway): pods may call functions there. */
function localPorts(servers: string): number[] {
  return servers
    .split(',')
    .map((server) => new URL(server))
    .filter((url) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    .map((url) => Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
}

/**
 * Who a gateway or triggers process on Kafka says it is on what it appends (no log API stamps it
 * there): the fold gives it that kind's rights, no more (a triggers process may not raise rules or
 * write what a control plane writes). Named after the machine and process, as it has no token.
 */
function kafkaWriter(kind: 'gateway' | 'triggers'): string {
  return `${kind}:${hostname()}-${process.pid}`;
}

/** TIDE_TOKEN: the credential of a separate gateway or triggers process (`tide token create NAME --gateway`). */
function componentToken(env: CommandContext['env'], what: 'gateway' | 'triggers'): { token?: string } {
  const token = env.TIDE_TOKEN?.trim();
  if (token === undefined || token === '') return {};
  if (!/^tide_[a-z0-9-]+_[0-9a-f]{64}$/.test(token))
    throw new CliError(`TIDE_TOKEN is not a Tide token (tide_<name>_<64 hex>): make one with \`tide token create NAME --${what}\``, 2);
  return { token };
}

/** --bootstrap-token-file, else TIDE_BOOTSTRAP_TOKEN: what a node joins with the first time. */
async function readBootstrapToken(file: string | undefined, env: CommandContext['env']): Promise<string | undefined> {
  if (file === undefined) return env.TIDE_BOOTSTRAP_TOKEN?.trim() || undefined;
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new CliError(`--bootstrap-token-file ${file}: ${error.message}`, 2);
  });
  return text.trim() || undefined;
}

export const str = (value: CommandContext['flags'][string]): string | undefined => (typeof value === 'string' ? value : undefined);
export const list = (value: CommandContext['flags'][string]): string[] | undefined => (Array.isArray(value) ? value : undefined);

/** --warm-pool or TIDE_WARM_POOL, when given: the node's pool size (0 disables it). */
function warmPoolSize(flags: CommandContext['flags'], env: CommandContext['env']): { warmPoolSize?: number } {
  const raw = str(flags['warm-pool']) ?? env.TIDE_WARM_POOL;
  return raw === undefined ? {} : { warmPoolSize: int('warm-pool', raw, 2) };
}

/** --sandbox or TIDE_SANDBOX, and --insecure-single-tenant or TIDE_INSECURE_SINGLE_TENANT: how the node isolates its pods. */
function sandboxMode(flags: CommandContext['flags'], env: CommandContext['env']): { sandbox?: 'auto' | 'bwrap' | 'none'; insecureSingleTenant?: true } {
  const raw = str(flags.sandbox) ?? env.TIDE_SANDBOX;
  if (raw !== undefined && raw !== '' && raw !== 'auto' && raw !== 'bwrap' && raw !== 'none')
    throw new CliError(`--sandbox ${JSON.stringify(raw)}: must be auto, bwrap or none`, 2);
  const insecure = flags['insecure-single-tenant'] === true || isTrue('TIDE_INSECURE_SINGLE_TENANT', env.TIDE_INSECURE_SINGLE_TENANT);
  return { ...(raw ? { sandbox: raw } : {}), ...(insecure ? { insecureSingleTenant: true } : {}) };
}

/** --allow-pod-port or TIDE_ALLOW_POD_PORTS: ports of this machine sandboxed pods may still connect to. */
function allowedPodPorts(flags: CommandContext['flags'], env: CommandContext['env']): number[] {
  return (list(flags['allow-pod-port']) ?? listFromEnv(env, 'TIDE_ALLOW_POD_PORTS') ?? []).map((raw) => {
    const port = int('allow-pod-port', raw, 0);
    if (port < 1 || port > 65_535) throw new CliError(`--allow-pod-port ${raw}: must be a port, 1 to 65535`, 2);
    return port;
  });
}

/** An on/off variable: 1/true/yes or 0/false/no/empty, anything else an error naming it. */
function isTrue(name: string, raw: string | undefined): boolean {
  if (raw === undefined || /^(|0|false|no)$/i.test(raw)) return false;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  throw new CliError(`${name}=${JSON.stringify(raw)}: must be 1 or 0`, 2);
}

/** The variables whose names start with `prefix`, for the processes this one starts. */
function envStartingWith(env: CommandContext['env'], prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith(prefix) && entry[1] !== undefined));
}

/** TIDE_KAFKA_BROKERS and its companions, checked before anything starts. */
async function kafkaSource(env: CommandContext['env']) {
  const { kafkaSourceFromEnv } = await import('../commands/kafka-source.js');
  return kafkaSourceFromEnv(env);
}

/**
 * A process whose fold halted at rules it does not know (the cluster switched to a newer version)
 * cannot go on: it would serve a cluster frozen at the switch. It says why, stops, and exits 1.
 */
function stopWhenFoldHalts(store: Pick<StateStore, 'state' | 'subscribe'>, shutdown: (why: string, exitCode: number) => void): void {
  // Loaded here, not at the top: the short commands (get, invoke) need none of @tide/core.
  void import('@tide/core').then(({ whenFoldHalted }) => whenFoldHalted(store, (halt) => shutdown(`cannot go on: ${halt.reason}`, 1)));
}

/** SIGTERM or SIGINT: a graceful stop (in-flight work drained), telemetry flushed (spans, and metrics' last OTLP push), exit 0. */
function stopOnSignals(
  report: (line: string) => void,
  what: string,
  stop: () => Promise<void>,
  flushed: readonly { shutdown(): Promise<void> }[],
): (why: string, exitCode?: number) => void {
  let stopping = false;
  const shutdown = (why: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    report(`${why}: ${what}`);
    stop().then(
      () => Promise.allSettled(flushed.map((f) => f.shutdown())).finally(() => process.exit(exitCode)),
      (error: Error) => {
        process.stderr.write(`tide: shutdown failed: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return shutdown;
}
