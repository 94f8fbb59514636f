#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, createApiClient } from './api-client.js';
import { functionPath } from './paths.js';
import type { OutputFormat } from './format.js';

const USAGE = `tide — an event-sourced serverless platform

Usage:
  tide up [--port 8080] [--host 127.0.0.1] [--data ./.tide] [--examples] [--warm-pool 2] [--nodes 1]
                     all of Tide in one process (TIDE_KAFKA_BROKERS: on Kafka, else the embedded log)
  tide control-plane [--port 8080] [--host 0.0.0.0] [--data DIR] [--node-grace 10]
                     the API and the cluster's controllers (TIDE_KAFKA_BROKERS: on Kafka)
  tide gateway [--port 8081] [--host 0.0.0.0] [--server URL]
                     serves /fn/... (routes from Kafka, or from --server's log API)
  tide node --server URL [--name NAME] [--data DIR] [--memory MB] [--cpu MILLI] [--pods N]
            [--label k=v ...] [--taint k=v:NoSchedule ...] [--warm-pool 2]
            [--address IP|HOST] [--artifact-cache-mb 1024]
                     --address: where gateways on other machines reach this node's pods
  tide deploy <dir> [--name NAME] [--env KEY=VALUE ...] [--wait 60]
              [--min N] [--max N] [--target N] [--metric concurrency|rps|cpu]
              [--concurrency N] [--timeout S] [--memory MB]
              [--scale-to-zero-after S] [--stable-window S]
  tide apply -f <file.yaml|file.json|->
  tide get functions|pods|revisions|namespaces|nodes [NAME] [-o json|yaml|wide]
  tide cordon|uncordon|drain <NODE>
  tide describe function <NAME>
  tide delete function <NAME>
  tide invoke <NAME> [--data TEXT] [--method POST] [--path /sub/path] [-H 'k: v' ...]
  tide logs <NAME> [-f] [--tail N] [--pod POD]   what its pods printed ([pod] line; ! = stderr)
  tide events [--from OFFSET]
  tide rollout status function/<NAME> [--wait 60]
  tide rollout undo function/<NAME> [--to-revision REVISION]
  tide autoscale replay <NAME> [--from OFFSET] --set target=20,panicWindow=10s,...
                       re-run the recorded load through the autoscaler with other settings
  tide log repair [--data ./.tide]     truncate the embedded log at its first corrupt record

Common flags:
  -n, --namespace NS   namespace (default "default")
  --server URL         Tide API and gateway (default $TIDE_SERVER or http://127.0.0.1:8080)

Settings of the long-running commands from the environment (a flag wins over its variable):
  TIDE_PORT, TIDE_HOST, TIDE_DATA, TIDE_SERVER, TIDE_WARM_POOL, TIDE_NODE_GRACE_SECONDS,
  TIDE_NODE_NAME, TIDE_NODE_ADDRESS, TIDE_NODE_MEMORY_MB, TIDE_NODE_CPU_MILLI, TIDE_NODE_PODS,
  TIDE_NODE_LABELS (k=v,k2=v2), TIDE_NODE_TAINTS (k=v:NoSchedule,...), TIDE_ARTIFACT_CACHE_MB;
  TIDE_KAFKA_BROKERS (host:port,...: run on Kafka), TIDE_KAFKA_FETCH_WAIT_MS (default 100),
  TIDE_KAFKA_TLS (true), TIDE_KAFKA_TLS_CA_FILE, TIDE_KAFKA_TLS_CERT_FILE, TIDE_KAFKA_TLS_KEY_FILE,
  TIDE_KAFKA_SASL_MECHANISM (plain|scram-sha-256|scram-sha-512), TIDE_KAFKA_SASL_USERNAME,
  TIDE_KAFKA_SASL_PASSWORD or TIDE_KAFKA_SASL_PASSWORD_FILE;
  OTEL_* as OpenTelemetry defines them.
`;

/** `-f` is `--file` for apply and `--follow` for logs (as kubectl has them). */
const argv = process.argv.slice(2);
const cliArgs = argv[0] === 'logs' ? argv.map((arg) => (arg === '-f' ? '--follow' : arg)) : argv;

const { values: flags, positionals } = (() => {
  try {
    return parseArgs({
      args: cliArgs,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        examples: { type: 'boolean' },
        'warm-pool': { type: 'string' },
        'node-grace': { type: 'string' },
        nodes: { type: 'string' },
        label: { type: 'string', multiple: true },
        taint: { type: 'string', multiple: true },
        cpu: { type: 'string' },
        pods: { type: 'string' },
        'exit-with-parent': { type: 'boolean' },
        address: { type: 'string' },
        follow: { type: 'boolean' },
        tail: { type: 'string' },
        pod: { type: 'string' },
        'artifact-cache-mb': { type: 'string' },
        name: { type: 'string' },
        env: { type: 'string', multiple: true },
        wait: { type: 'string' },
        min: { type: 'string' },
        max: { type: 'string' },
        target: { type: 'string' },
        metric: { type: 'string' },
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        memory: { type: 'string' },
        'scale-to-zero-after': { type: 'string' },
        'stable-window': { type: 'string' },
        file: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        namespace: { type: 'string', short: 'n' },
        server: { type: 'string' },
        method: { type: 'string', short: 'X' },
        path: { type: 'string' },
        header: { type: 'string', short: 'H', multiple: true },
        from: { type: 'string' },
        set: { type: 'string' },
        'to-revision': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(new CliError(`${(error as Error).message}\n\n${USAGE}`, 2));
  }
})();

function fail(error: unknown): never {
  // A StartupError (@tide/process) says what to do, as a CliError does; matched by name so that
  // every command need not load the process packages.
  if (error instanceof CliError || (error instanceof Error && error.name === 'StartupError')) {
    process.stderr.write(`tide: ${error.message}\n`);
    process.exit((error as { exitCode?: number }).exitCode ?? 1);
  }
  process.stderr.write(`tide: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new CliError(`--${name} must be a whole number, got "${value}"`, 2);
  return Number(value);
}

/** A comma-separated variable as the values of a repeatable flag (undefined when unset or empty). */
function listFromEnv(name: string): string[] | undefined {
  const items = (process.env[name] ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

function positiveInt(name: string, value: string | undefined): number {
  const n = int(name, value, 0);
  if (n < 1) throw new CliError(`--${name} must be at least 1, got "${value}"`, 2);
  return n;
}

/** --address / TIDE_NODE_ADDRESS: an IP or host name pods can listen on, with no scheme or port. */
function nodeAddress(value: string): string {
  if (!/^(?:[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:]{2,39})$/.test(value)) {
    throw new CliError(`--address "${value}" must be an IP address or host name of this machine (no scheme, no port)`, 2);
  }
  return value;
}

function keyValues(pairs: string[] | undefined, flag: string, separator: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf(separator);
    if (at <= 0) throw new CliError(`--${flag} "${pair}" must look like KEY${separator}VALUE`, 2);
    out[pair.slice(0, at).trim()] = pair.slice(at + separator.length).trim();
  }
  return out;
}

function optionalInt(name: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : int(name, value, 0);
}

/** Spec settings from deploy's flags; the server validates them and names any that is out of range. */
function specOverrides() {
  const scale = Object.fromEntries(
    Object.entries({
      min: optionalInt('min', flags.min),
      max: optionalInt('max', flags.max),
      target: optionalInt('target', flags.target),
      scaleToZeroAfterSeconds: optionalInt('scale-to-zero-after', flags['scale-to-zero-after']),
      stableWindowSeconds: optionalInt('stable-window', flags['stable-window']),
    }).filter(([, v]) => v !== undefined),
  );
  const top = Object.fromEntries(
    Object.entries({ concurrency: optionalInt('concurrency', flags.concurrency), timeoutSeconds: optionalInt('timeout', flags.timeout), memoryMb: optionalInt('memory', flags.memory) }).filter(([, v]) => v !== undefined),
  );
  return { ...top, scale: { ...scale, ...(flags.metric === undefined ? {} : { metric: flags.metric }) } };
}

/** --warm-pool or TIDE_WARM_POOL, when given: the node's pool size (0 disables it). */
function warmPoolOption(): { warmPoolSize?: number } {
  const raw = flags['warm-pool'] ?? process.env.TIDE_WARM_POOL;
  return raw === undefined ? {} : { warmPoolSize: int('warm-pool', raw, 2) };
}

const server = flags.server ?? process.env.TIDE_SERVER ?? 'http://127.0.0.1:8080';
const namespace = flags.namespace ?? 'default';
const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const timestamped = (line: string): void => print(`${new Date().toISOString()} ${line}`);

/** The variables of this process whose names start with `prefix`, for the processes it starts. */
function envStartingWith(prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith(prefix) && entry[1] !== undefined));
}

/** TIDE_KAFKA_BROKERS and its companions, checked before anything starts. */
async function kafkaSource() {
  const { kafkaSourceFromEnv } = await import('./commands/kafka-source.js');
  return kafkaSourceFromEnv(process.env);
}

/** SIGTERM or SIGINT: a graceful stop (in-flight work drained), telemetry flushed, exit 0. */
function stopOnSignals(what: string, stop: () => Promise<void>, telemetry: { shutdown(): Promise<void> }): (why: string) => void {
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    print(`${why}: ${what}`);
    stop().then(
      () => telemetry.shutdown().finally(() => process.exit(0)),
      (error: Error) => fail(new CliError(`shutdown failed: ${error.message}`)),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return shutdown;
}

async function run(): Promise<void> {
  const [command, ...args] = positionals;
  if (flags.help || !command || command === 'help') return print(USAGE);
  // Commands load what they need on demand: `tide get` should not pay for esbuild or the log.
  switch (command) {
    case 'up': {
      const { startTelemetry, startMetrics } = await import('@tide/telemetry');
      const { up, exampleDirs } = await import('./commands/up.js');
      const kafka = await kafkaSource();
      const telemetry = startTelemetry({ serviceName: 'tide', env: process.env });
      const tide = await up({
        port: int('port', flags.port ?? process.env.TIDE_PORT, 8080),
        host: flags.host ?? process.env.TIDE_HOST ?? '127.0.0.1',
        dataDir: flags.data ?? process.env.TIDE_DATA ?? '.tide',
        deployDirs: flags.examples ? await exampleDirs(repoRoot) : [],
        nodeGraceSeconds: int('node-grace', flags['node-grace'] ?? process.env.TIDE_NODE_GRACE_SECONDS, 10),
        nodes: int('nodes', flags.nodes, 1),
        cliEntry: fileURLToPath(import.meta.url),
        metrics: startMetrics(),
        ...warmPoolOption(),
        ...(kafka ? { kafka } : {}),
        otelEnv: envStartingWith('OTEL_'),
        kafkaEnv: envStartingWith('TIDE_KAFKA_'),
        tracePods: telemetry.exporting,
        log: timestamped,
      });
      stopOnSignals('draining in-flight calls and stopping pods', () => tide.stop(), telemetry);
      return;
    }
    case 'control-plane': {
      const { startTelemetry, startMetrics } = await import('@tide/telemetry');
      const { startControlPlane } = await import('@tide/control-plane');
      const dataDir = flags.data ?? process.env.TIDE_DATA ?? '.tide';
      const kafka = await kafkaSource();
      const telemetry = startTelemetry({ serviceName: 'tide-control-plane', env: process.env });
      const controlPlane = await startControlPlane({
        log: { source: kafka ?? { kind: 'embedded', dataDir: resolve(dataDir) } },
        dataDir,
        listen: { port: int('port', flags.port ?? process.env.TIDE_PORT, 8080), host: flags.host ?? process.env.TIDE_HOST ?? '127.0.0.1' },
        nodeGraceSeconds: int('node-grace', flags['node-grace'] ?? process.env.TIDE_NODE_GRACE_SECONDS, 10),
        metrics: startMetrics(),
        report: timestamped,
      });
      stopOnSignals('stopping', () => controlPlane.stop(), telemetry);
      return;
    }
    case 'gateway': {
      const { startTelemetry, startMetrics } = await import('@tide/telemetry');
      const { startGateway } = await import('@tide/gateway');
      const kafka = await kafkaSource();
      const telemetry = startTelemetry({ serviceName: 'tide-gateway', env: process.env });
      const gateway = await startGateway({
        log: { source: kafka ?? { kind: 'http', server } },
        listen: { port: int('port', flags.port ?? process.env.TIDE_PORT, 8081), host: flags.host ?? process.env.TIDE_HOST ?? '127.0.0.1' },
        metrics: startMetrics(),
        report: timestamped,
      });
      stopOnSignals('stopping', () => gateway.stop(), telemetry);
      return;
    }
    case 'node': {
      const { parseTaint, nodeName } = await import('./commands/node.js');
      const { startNode, defaultNodeCapacity } = await import('@tide/node-agent');
      const { startTelemetry } = await import('@tide/telemetry');
      const name = flags.name ?? process.env.TIDE_NODE_NAME ?? nodeName();
      const defaults = defaultNodeCapacity();
      const address = flags.address ?? process.env.TIDE_NODE_ADDRESS;
      const cacheMb = flags['artifact-cache-mb'] ?? process.env.TIDE_ARTIFACT_CACHE_MB;
      const options = {
        name,
        dataDir: flags.data ?? process.env.TIDE_DATA ?? join('.tide', 'nodes', name),
        capacity: {
          memoryMb: int('memory', flags.memory ?? process.env.TIDE_NODE_MEMORY_MB, defaults.memoryMb),
          cpuMilli: int('cpu', flags.cpu ?? process.env.TIDE_NODE_CPU_MILLI, defaults.cpuMilli),
          pods: int('pods', flags.pods ?? process.env.TIDE_NODE_PODS, defaults.pods),
        },
        labels: keyValues(flags.label ?? listFromEnv('TIDE_NODE_LABELS'), 'label', '='),
        taints: (flags.taint ?? listFromEnv('TIDE_NODE_TAINTS') ?? []).map(parseTaint),
        ...warmPoolOption(),
        ...(address ? { address: nodeAddress(address) } : {}),
        // Any control plane serves any artifact; the first one's log API is the node's log on one machine.
        artifacts: { servers: server, ...(cacheMb ? { cacheMb: positiveInt('artifact-cache-mb', cacheMb) } : {}) },
        report: timestamped,
      };
      const kafka = await kafkaSource();
      const telemetry = startTelemetry({ serviceName: 'tide-node', env: process.env });
      const node = await startNode({ ...options, log: { source: kafka ?? { kind: 'http', server: server.split(',')[0]! } }, tracePods: telemetry.exporting });
      const stop = stopOnSignals('stopping pods', () => node.stop(), telemetry);
      // Started by `tide up --nodes N`: a node does not outlive the tide that started it.
      if (flags['exit-with-parent'] && process.send) process.once('disconnect', () => stop('parent gone'));
      return;
    }
    case 'deploy': {
      if (!args[0]) throw new CliError('deploy needs a directory: tide deploy ./functions/hello', 2);
      const { deploy } = await import('./commands/deploy.js');
      const result = await deploy(createApiClient(server), {
        dir: args[0],
        ...(flags.name ? { name: flags.name } : {}),
        namespace,
        env: keyValues(flags.env, 'env', '='),
        overrides: specOverrides(),
        waitSeconds: int('wait', flags.wait, 60),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      print(`${result.fn.metadata.name} is ready (${result.fn.status.latestRevision}, ${result.ms} ms): ${result.url}`);
      return;
    }
    case 'apply': {
      if (!flags.file) throw new CliError('apply needs -f <file> (YAML or JSON; - for stdin)', 2);
      const { applyFile } = await import('./commands/apply.js');
      for (const line of await applyFile(createApiClient(server), flags.file, namespace)) print(line);
      return;
    }
    case 'get': {
      if (!args[0]) throw new CliError('get needs a resource type: functions, pods, revisions, namespaces or nodes', 2);
      const output = (flags.output ?? 'table') as OutputFormat;
      if (!['table', 'json', 'yaml', 'wide'].includes(output)) throw new CliError(`-o must be json, yaml or wide, got "${output}"`, 2);
      const { get } = await import('./commands/get.js');
      return print(await get(createApiClient(server), { resource: args[0], ...(args[1] ? { name: args[1] } : {}), namespace, output }));
    }
    case 'cordon':
    case 'uncordon':
    case 'drain': {
      if (!args[0]) throw new CliError(`usage: tide ${command} <NODE>`, 2);
      const result = await createApiClient(server).ok<{ evicted?: number }>('POST', `/apis/tide.dev/v1/nodes/${encodeURIComponent(args[0])}/${command}`);
      return print(command === 'drain' ? `node/${args[0]} cordoned and drained: ${result.evicted ?? 0} pods asked to stop` : `node/${args[0]} ${command}ed`);
    }
    case 'describe': {
      const [type, name] = args;
      if (!type || !['function', 'functions', 'fn'].includes(type) || !name) throw new CliError('usage: tide describe function <NAME>', 2);
      const { describeFunction } = await import('./commands/describe.js');
      return print(await describeFunction(createApiClient(server), namespace, name));
    }
    case 'delete': {
      const [type, name] = args;
      if (!type || !['function', 'functions', 'fn'].includes(type) || !name) throw new CliError('usage: tide delete function <NAME>', 2);
      await createApiClient(server).ok('DELETE', functionPath(namespace, name));
      return print(`function/${name} deleted`);
    }
    case 'invoke': {
      if (!args[0]) throw new CliError('invoke needs a function name', 2);
      const { invoke } = await import('./commands/invoke.js');
      const result = await invoke(server, {
        namespace,
        name: args[0],
        path: flags.path ?? '/',
        method: (flags.method ?? (flags.data === undefined ? 'GET' : 'POST')).toUpperCase(),
        ...(flags.data === undefined ? {} : { data: flags.data }),
        headers: keyValues(flags.header, 'header', ':'),
      });
      process.stdout.write(result.body);
      if (result.status >= 400) throw new CliError(`function answered ${result.status}`, 1);
      return;
    }
    case 'logs': {
      const { functionLogs } = await import('./commands/logs.js');
      const name = args[0];
      if (!name) throw new CliError('usage: tide logs <FUNCTION> [-f] [--tail N] [--pod POD]', 2);
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      return functionLogs(server, {
        namespace,
        name,
        follow: flags.follow === true,
        ...(flags.tail === undefined ? {} : { tail: int('tail', flags.tail, 0) }),
        ...(flags.pod === undefined ? {} : { pod: flags.pod }),
        write: (text) => process.stdout.write(text),
        signal: controller.signal,
      });
    }
    case 'events': {
      const { followEvents } = await import('./commands/events.js');
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      return followEvents(server, { ...(flags.from === undefined ? {} : { from: int('from', flags.from, 0) }), print, signal: controller.signal });
    }
    case 'rollout': {
      const { functionRef, rolloutStatus, rolloutUndo } = await import('./commands/rollout.js');
      const name = functionRef(args[1]);
      if (args[0] === 'undo') return print(await rolloutUndo(createApiClient(server), namespace, name, flags['to-revision']));
      if (args[0] === 'status') return rolloutStatus(createApiClient(server), namespace, name, int('wait', flags.wait, 60), print);
      throw new CliError('usage: tide rollout status|undo function/<NAME>', 2);
    }
    case 'autoscale': {
      if (args[0] !== 'replay' || !args[1]) throw new CliError('usage: tide autoscale replay <NAME> [--from OFFSET] --set key=value,...', 2);
      const { autoscaleReplay } = await import('./commands/autoscale-replay.js');
      return print(
        await autoscaleReplay(createApiClient(server), { namespace, name: args[1], set: flags.set ?? '', ...(flags.from === undefined ? {} : { from: int('from', flags.from, 0) }) }),
      );
    }
    case 'log': {
      if (args[0] !== 'repair') throw new CliError('usage: tide log repair [--data DIR]', 2);
      const { repairStateLog } = await import('./commands/repair.js');
      return print(await repairStateLog(resolve(flags.data ?? process.env.TIDE_DATA ?? '.tide')));
    }
    default:
      throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
  }
}

run().catch(fail);
