import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { findRepoRoot } from '../support/repo-root.js';
import { metricExportConfig } from '@tide/telemetry';
import { packageSources, servedMetrics } from '../support/served-metrics.js';

/**
 * infra/ cannot run here (no container engine), so this checks it against the code instead: the
 * commands, flags and TIDE_* variables it uses are ones the CLI has, and ports, brokers, topics
 * and scrape targets agree with each other. Every check collects problems naming the file and the
 * mismatch, and expects none.
 */
const root = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const infra = join(root, 'infra');
const COMPOSE = 'infra/compose/compose.yaml';
const KUBERNETES = 'infra/kubernetes';
/**
 * The metrics the dashboard must chart (design §8, issue 11's events and issue 13's metrics): each
 * must also be one a Tide source creates (see servedMetrics, which the exposition test proves
 * against running processes), so this list cannot name a metric nobody exports.
 */
const TIDE_METRICS = [
  'tide_invocations_total',
  'tide_invocation_duration_seconds',
  'tide_cold_starts_total',
  'tide_cold_start_duration_seconds',
  'tide_pods',
  'tide_desired_replicas',
  'tide_ready_replicas',
  'tide_gateway_queue_depth',
  'tide_log_append_seconds',
  'tide_log_consumer_lag_records',
  'tide_scheduler_decision_duration_seconds',
  'tide_fold_rejected_events_total',
  'tide_trigger_lag',
  'tide_trigger_deliveries_total',
  'tide_trigger_retries_total',
  'tide_trigger_dead_letters_total',
  'tide_cron_fired_total',
  'tide_cron_skipped_total',
];
/**
 * Tide's own topics; kafka-init must create each, and no other `tide.*` (leadership has no topic
 * of its own: it is a lease on tide.leases plus LeaderElected on tide.state). tide.invocations,
 * tide.activations and tide.triggers are the triggers process's (async calls, activation records,
 * Kafka triggers' retry journal).
 */
const TIDE_TOPICS = [
  'tide.state',
  'tide.leases',
  'tide.metrics',
  'tide.artifacts',
  'tide.logs',
  'tide.invocations',
  'tide.kv',
  'tide.activations',
  'tide.triggers',
];

// ---------------------------------------------------------------------------------------------
// Reading files
// ---------------------------------------------------------------------------------------------

/** Parsed YAML: checked field by field below, so left untyped. */
// biome-ignore lint/suspicious/noExplicitAny: checked field by field below
type Yaml = any;

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Every document of a YAML file; `<<` merge keys resolved as compose resolves them. */
function yamlDocuments(path: string): { docs: Yaml[]; errors: string[] } {
  const parsed = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true });
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const errors = list.flatMap((doc) => [...doc.errors, ...doc.warnings].map((e) => `${relative(root, path)}: ${e.message}`));
  return { docs: list.map((doc) => doc.toJS({ maxAliasCount: -1 }) as Yaml).filter((doc) => doc != null), errors };
}

const yamlFile = (rel: string): Yaml => yamlDocuments(join(root, rel)).docs[0];

// ---------------------------------------------------------------------------------------------
// What the CLI offers: subcommands and flags from its USAGE text, TIDE_* variables from sources
// ---------------------------------------------------------------------------------------------

interface CliSurface {
  /** subcommand → the flags its help shows */
  commands: Map<string, Set<string>>;
  /** flags under "Common flags", valid for every subcommand */
  common: Set<string>;
}

function tideHelp(...args: string[]): string {
  const main = join(root, 'packages/cli/dist/main.js');
  if (!existsSync(main)) throw new Error('packages/cli/dist/main.js is missing: build first (`npm test` runs `turbo run build`)');
  return execFileSync(process.execPath, [main, 'help', ...args], { encoding: 'utf8', timeout: 20_000 });
}

/** Every command's help, as `tide help` lists the commands and `tide help <command>` shows each one's flags. */
function cliHelpTexts(): { overview: string; commands: Map<string, string> } {
  const overview = tideHelp();
  const names = [...overview.matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)].map((m) => m[1]!);
  return { overview, commands: new Map(names.map((name) => [name, tideHelp(name)])) };
}

const FLAG = /(?:^|[\s[|,])(--?[a-zA-Z][a-zA-Z0-9-]*)/g;

/** The flags in a help section's first column: `  -o, --output json|yaml   what it does` → -o, --output. */
function flagsOfSection(help: string, heading: string): string[] {
  const section = help.split(/\n\n/).find((block) => block.startsWith(`${heading}\n`));
  if (!section) return [];
  return section
    .split('\n')
    .slice(1)
    .flatMap((line) => [...(line.trim().split(/\s{3,}/)[0] ?? '').matchAll(FLAG)].map((m) => m[1]!));
}

/** Subcommands with the flags each one's help lists, and the flags every command takes. */
function parseHelp(texts: { overview: string; commands: Map<string, string> }): CliSurface {
  const commands = new Map<string, Set<string>>();
  for (const [name, help] of texts.commands) commands.set(name, new Set(flagsOfSection(help, 'Flags:')));
  return { commands, common: new Set(flagsOfSection(texts.overview, 'Flags of every command:')) };
}

/** TIDE_* variables some package source reads: process.env.X, env.X, env['X'], or a zod key `X: z.`. */
function tideVariablesRead(): Map<string, string> {
  const reads = new Map<string, string>();
  const patterns = [/\benv(?:\.|\[\s*['"])(TIDE_[A-Z0-9_]+)/g, /\b(TIDE_[A-Z0-9_]+)['"]?\s*:\s*z\./g];
  for (const file of packageSources()) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) reads.set(match[1]!, relative(root, file));
  }
  return reads;
}

/** Topics the sources name in a constant, e.g. `export const ARTIFACTS_TOPIC = 'tide.artifacts'`. */
function topicsDeclared(): Map<string, string> {
  const declared = new Map<string, string>();
  for (const file of packageSources()) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\b[A-Z_]*TOPIC\s*=\s*['"](tide\.[a-z0-9.-]+)['"]/g)) declared.set(match[1]!, relative(root, file));
  }
  return declared;
}

/** How long the control plane keeps activations (ACTIVATION_MAX_AGE_MS in @tide/core), in ms. */
function activationMaxAgeMs(): number {
  for (const file of packageSources()) {
    const match = /\bACTIVATION_MAX_AGE_MS\s*=\s*([\d_\s*]+);/.exec(readFileSync(file, 'utf8'));
    if (match) return match[1]!.split('*').reduce((product, factor) => product * Number(factor.replace(/[_\s]/g, '')), 1);
  }
  throw new Error('no ACTIVATION_MAX_AGE_MS = <a product of numbers> in packages/*/src');
}

let surface: CliSurface | undefined;
const cli = (): CliSurface => (surface ??= parseHelp(cliHelpTexts()));
// Once for the file, before any test: ~40 `tide help` processes, which a loaded 2-core machine may take over a test's 30 s to run.
beforeAll(() => void cli(), 180_000);
let variables: Map<string, string> | undefined;
const variablesRead = (): Map<string, string> => (variables ??= tideVariablesRead());

/** Problems with one `tide <subcommand> ...` argv, each naming `where`. */
function argvProblems(where: string, argv: readonly string[]): string[] {
  const { commands, common } = cli();
  const [subcommand, ...rest] = argv;
  if (!subcommand) return [`${where}: no command; the image's entrypoint is \`tide\`, so the command must start with a subcommand`];
  const flags = commands.get(subcommand);
  if (!flags) return [`${where}: runs "tide ${subcommand}", a subcommand \`tide help\` does not list (it lists: ${[...commands.keys()].join(', ')})`];
  return rest
    .filter((token) => /^--?[a-zA-Z]/.test(token))
    .map((token) => token.split('=')[0]!)
    .filter((flag) => !flags.has(flag) && !common.has(flag))
    .map((flag) => `${where}: "tide ${subcommand} ${flag}" — \`tide help\` lists no ${flag} for ${subcommand} (it lists: ${[...flags].join(' ')})`);
}

function variableProblems(where: string, names: readonly string[]): string[] {
  const reads = variablesRead();
  return names
    .filter((name) => name.startsWith('TIDE_') && !reads.has(name))
    .map((name) => `${where}: sets ${name}, which no Tide source reads (looked for process.env.${name} and friends in packages/*/src)`);
}

const flagValue = (argv: readonly string[], flag: string): string | undefined => {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : argv.find((token) => token.startsWith(`${flag}=`))?.slice(flag.length + 1);
};

// ---------------------------------------------------------------------------------------------
// Compose
// ---------------------------------------------------------------------------------------------

interface ComposeService {
  name: string;
  spec: Yaml;
  argv: string[];
  /** `env_file` variables, then `environment` (which wins, as in compose) */
  env: Record<string, string>;
  /** its env_file paths, relative to the compose file's directory */
  envFiles: string[];
  /** service name plus network aliases */
  hosts: string[];
}

function composeServices(): ComposeService[] {
  const services = (yamlFile(COMPOSE)?.services ?? {}) as Record<string, Yaml>;
  return Object.entries(services).map(([name, spec]) => {
    const command = spec.command ?? [];
    const envList: string[] = Array.isArray(spec.environment) ? spec.environment : [];
    const envFiles = [spec.env_file ?? []].flat().map((entry: Yaml) => String(typeof entry === 'object' ? entry.path : entry));
    const env = {
      ...Object.fromEntries(envFiles.flatMap((file) => envFileVariables(resolve(dirname(join(root, COMPOSE)), file)))),
      ...(Array.isArray(spec.environment)
        ? Object.fromEntries(envList.map((pair) => [pair.split('=')[0]!, pair.split('=').slice(1).join('=')]))
        : Object.fromEntries(Object.entries(spec.environment ?? {}).map(([k, v]) => [k, String(v)]))),
    };
    const aliases = Object.values((spec.networks ?? {}) as Record<string, Yaml>).flatMap((network) => network?.aliases ?? []);
    return { name, spec, argv: (Array.isArray(command) ? command : String(command).split(/\s+/)).map(String), env, envFiles, hosts: [name, ...aliases] };
  });
}

/** `NAME=value` lines of an env file (comments and blank lines skipped); none if it is missing (reported elsewhere). */
function envFileVariables(path: string): [string, string][] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')).replace(/^export\s+/, ''), line.slice(line.indexOf('=') + 1)]);
}

const isTideImage = (image: string | undefined): boolean => image !== undefined && /^(?:.*\/)?tide(?::.*)?$/.test(image);
const composeTide = () => composeServices().filter((s) => s.spec.build !== undefined || isTideImage(s.spec.image));
const isKafkaBroker = (s: ComposeService) => String(s.spec.image ?? '').startsWith('apache/kafka') && s.env.KAFKA_PROCESS_ROLES !== undefined;

/** The container port of each `ports` entry: "8180:8080", "127.0.0.1:8180:8080/tcp" or { target }. */
const targetPorts = (ports: Yaml[] = []): number[] =>
  ports.map((entry) => (typeof entry === 'object' ? Number(entry.target) : Number(String(entry).split('/')[0]!.split(':').at(-1))));

/** The internal listener a broker advertises to other brokers (and to Tide): host:port. */
function internalListener(broker: ComposeService): string | undefined {
  const name = broker.env.KAFKA_INTER_BROKER_LISTENER_NAME ?? 'PLAINTEXT';
  const listener = (broker.env.KAFKA_ADVERTISED_LISTENERS ?? '').split(',').find((l) => l.startsWith(`${name}://`));
  return listener?.slice(name.length + 3);
}

/** Ports the collector serves for scraping: its prometheus exporter and its own telemetry. */
function collectorPorts(): number[] {
  const config = yamlFile('infra/otel/collector.yaml');
  const exporter = Object.entries(config?.exporters ?? {}).filter(([name]) => name.split('/')[0] === 'prometheus');
  const readers = (config?.service?.telemetry?.metrics?.readers ?? []) as Yaml[];
  return [
    ...exporter.map(([, spec]) =>
      Number(
        String((spec as Yaml).endpoint)
          .split(':')
          .at(-1),
      ),
    ),
    ...readers.map((reader) => Number(reader?.pull?.exporter?.prometheus?.port)),
  ].filter(Number.isFinite);
}

/** Topic creations in a shell script: one `kafka-topics.sh ... --create` per line. */
function createdTopics(script: string): { topic: string; partitions?: number; replication?: number; configs: string[] }[] {
  return script
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.includes('--create') && /--topic\s/.test(line))
    .map((line) => ({
      topic: /--topic\s+(\S+)/.exec(line)![1]!,
      ...(/--partitions\s+(\d+)/.test(line) ? { partitions: Number(/--partitions\s+(\d+)/.exec(line)![1]) } : {}),
      ...(/--replication-factor\s+(\d+)/.test(line) ? { replication: Number(/--replication-factor\s+(\d+)/.exec(line)![1]) } : {}),
      configs: [...line.matchAll(/--config\s+(\S+)/g)].map((m) => m[1]!),
    }));
}

// ---------------------------------------------------------------------------------------------
// Kubernetes
// ---------------------------------------------------------------------------------------------

interface K8sObject {
  file: string;
  doc: Yaml;
}

function kubernetesObjects(): K8sObject[] {
  return filesUnder(join(root, KUBERNETES), /\.ya?ml$/)
    .filter((file) => !file.endsWith('kustomization.yaml'))
    .flatMap((file) => yamlDocuments(file).docs.map((doc) => ({ file: relative(root, file), doc })));
}

const WORKLOADS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);
const workloads = (objects: K8sObject[]) => objects.filter((o) => WORKLOADS.has(o.doc.kind));
const containersOf = (workload: K8sObject): Yaml[] => workload.doc.spec?.template?.spec?.containers ?? [];
const nameOf = (o: K8sObject, container?: Yaml) => `${o.file}: ${o.doc.kind} ${o.doc.metadata?.name}${container ? ` container ${container.name}` : ''}`;
const selects = (selector: Record<string, string> = {}, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Does a probe's or Service's port (a number or a port name) name one of these container ports? */
const portMatches = (port: number | string, containerPorts: Yaml[]) =>
  containerPorts.some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port || String(p.containerPort) === port));

/** "2560Mi" → 2560, "2Gi" → 2048 (MiB). */
function mebibytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity);
  if (!match) return Number.NaN;
  const factor = { Ki: 1 / 1024, Mi: 1, Gi: 1024, K: 1e3 / 2 ** 20, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 }[match[2] ?? ''] ?? 1 / 2 ** 20;
  return Number(match[1]) * factor;
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

describe('infra/ files', () => {
  it('every YAML file parses and the dashboard is JSON', () => {
    const files = filesUnder(infra, /\.ya?ml$/);
    expect(files.length).toBeGreaterThan(5);
    const problems = files.flatMap((file) => yamlDocuments(file).errors);
    for (const file of filesUnder(infra, /\.json$/)) {
      try {
        JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        problems.push(`${relative(root, file)}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe(`${COMPOSE}`, () => {
  it('runs every Tide container as `tide <subcommand>` with flags and TIDE_* variables the CLI knows', () => {
    const tide = composeTide();
    expect(tide.map((s) => s.argv[0]).sort()).toEqual(['control-plane', 'control-plane', 'gateway', 'gateway', 'node', 'node', 'node', 'triggers', 'triggers']);
    const problems = tide.flatMap((s) => [
      ...(s.spec.entrypoint ? [`${COMPOSE}: service ${s.name} overrides the entrypoint; Tide containers run the image's \`tide\``] : []),
      ...argvProblems(`${COMPOSE}: service ${s.name}`, s.argv),
      ...variableProblems(`${COMPOSE}: service ${s.name}`, Object.keys(s.env)),
    ]);
    expect(problems).toEqual([]);
  });

  it('publishes, probes and reports the port each control plane, gateway and triggers process listens on', () => {
    const problems = composeTide().flatMap((s) => {
      const at = `${COMPOSE}: service ${s.name}`;
      if (s.argv[0] === 'node') return [];
      const port = Number(flagValue(s.argv, '--port'));
      if (!Number.isInteger(port)) return [`${at}: "tide ${s.argv[0]}" has no --port`];
      const probe = /(?:127\.0\.0\.1|localhost):(\d+)/.exec(JSON.stringify(s.spec.healthcheck?.test ?? ''));
      return [
        ...targetPorts(s.spec.ports)
          .filter((target) => target !== port)
          .map((target) => `${at}: publishes container port ${target} but listens on --port ${port}`),
        ...(targetPorts(s.spec.ports).length === 0 ? [`${at}: publishes no port`] : []),
        ...(probe && Number(probe[1]) !== port ? [`${at}: healthcheck asks port ${probe[1]} but the process listens on --port ${port}`] : []),
        ...(probe ? [] : [`${at}: no healthcheck asks the port it listens on (${port})`]),
        ...(s.env.TIDE_PORT !== undefined && Number(s.env.TIDE_PORT) !== port ? [`${at}: TIDE_PORT=${s.env.TIDE_PORT} but --port ${port}`] : []),
      ];
    });
    const published = composeServices().flatMap((s) =>
      (s.spec.ports ?? []).map((p: Yaml) => `${typeof p === 'object' ? p.published : String(p).split(':').slice(-2, -1)[0]}`),
    );
    const clashes = published.filter((p, i) => published.indexOf(p) !== i).map((p) => `${COMPOSE}: host port ${p} is published twice`);
    expect([...problems, ...clashes]).toEqual([]);
  });

  it('points node agents at a control plane by a name and port that exist', () => {
    const services = composeServices();
    const problems = composeTide()
      .filter((s) => s.argv[0] === 'node')
      .flatMap((s) => {
        const at = `${COMPOSE}: service ${s.name}`;
        const server = flagValue(s.argv, '--server') ?? s.env.TIDE_SERVER;
        if (!server) return [`${at}: tide node without --server`];
        const url = new URL(server);
        const targets = services.filter((t) => t.hosts.includes(url.hostname));
        if (targets.length === 0) return [`${at}: --server ${server} names no compose service or alias`];
        return targets
          .filter((t) => t.argv[0] !== 'control-plane' || flagValue(t.argv, '--port') !== url.port)
          .map((t) => `${at}: --server ${server} reaches ${t.name}, which is not a control plane listening on port ${url.port}`);
      });
    expect(problems).toEqual([]);
  });

  it('gives every node agent its own name as TIDE_NODE_ADDRESS, so gateways in other containers reach its pods', () => {
    const problems = composeTide()
      .filter((s) => s.argv[0] === 'node')
      .flatMap((s) => {
        const at = `${COMPOSE}: service ${s.name}`;
        // --address wins over the variable, as in the CLI.
        const address = flagValue(s.argv, '--address') ?? s.env.TIDE_NODE_ADDRESS;
        const own = [...s.hosts, ...(s.spec.hostname ? [String(s.spec.hostname)] : [])];
        if (!address) return [`${at}: sets no TIDE_NODE_ADDRESS; its pods would listen on 127.0.0.1, out of the gateways' reach`];
        return own.includes(address) ? [] : [`${at}: TIDE_NODE_ADDRESS=${address} is not this service's own name (${own.join(', ')})`];
      });
    expect(problems).toEqual([]);
  });

  it('has the triggers processes deliver through the gateways, with the component token the gateways hold', () => {
    const services = composeServices();
    const tide = composeTide();
    const triggers = tide.filter((s) => s.argv[0] === 'triggers');
    const gateways = tide.filter((s) => s.argv[0] === 'gateway');
    expect(triggers.length, `${COMPOSE}: no service runs tide triggers`).toBeGreaterThan(0);
    const problems = triggers.flatMap((s) => {
      const at = `${COMPOSE}: service ${s.name}`;
      const gateway = flagValue(s.argv, '--gateway') ?? s.env.TIDE_GATEWAY;
      if (!gateway) return [`${at}: tide triggers without --gateway (it would deliver to --server's default, 127.0.0.1)`];
      const url = new URL(gateway);
      const targets = services.filter((t) => t.hosts.includes(url.hostname));
      if (targets.length === 0) return [`${at}: --gateway ${gateway} names no compose service or alias`];
      return targets
        .filter((t) => t.argv[0] !== 'gateway' || flagValue(t.argv, '--port') !== url.port)
        .map((t) => `${at}: --gateway ${gateway} reaches ${t.name}, which is not a gateway listening on port ${url.port}`);
    });
    // A gateway honours tide-invoke (queue(), scheduled()) only from callers presenting its token.
    const tokens = new Set([...gateways, ...triggers].map((s) => s.env.TIDE_COMPONENT_TOKEN));
    problems.push(
      ...[...gateways, ...triggers]
        .filter((s) => !s.env.TIDE_COMPONENT_TOKEN)
        .map((s) => `${COMPOSE}: service ${s.name} has no TIDE_COMPONENT_TOKEN (environment or env_file)`),
      ...(tokens.size > 1 ? [`${COMPOSE}: gateways and triggers processes hold different TIDE_COMPONENT_TOKENs`] : []),
      ...tide
        .filter((s) => !['gateway', 'triggers'].includes(s.argv[0]!) && s.env.TIDE_COMPONENT_TOKEN !== undefined)
        .map((s) => `${COMPOSE}: service ${s.name} is given TIDE_COMPONENT_TOKEN, which only gateways and triggers processes need`),
    );
    expect(problems).toEqual([]);
  });

  it('runs three KRaft brokers with RF 3 and min.insync.replicas 2, and gives Tide all three by their internal listener', () => {
    const brokers = composeServices().filter(isKafkaBroker);
    expect(brokers.map((b) => b.name)).toHaveLength(3);
    const internal = brokers.map(internalListener);
    const voters = brokers.map((b) => `${b.env.KAFKA_NODE_ID}@${b.spec.hostname ?? b.name}:`);
    const problems = brokers.flatMap((b) => {
      const at = `${COMPOSE}: broker ${b.name}`;
      return [
        ...(b.env.KAFKA_PROCESS_ROLES?.split(',').sort().join(',') === 'broker,controller'
          ? []
          : [`${at}: KAFKA_PROCESS_ROLES ${b.env.KAFKA_PROCESS_ROLES}, expected broker,controller`]),
        ...voters.filter((v) => !(b.env.KAFKA_CONTROLLER_QUORUM_VOTERS ?? '').includes(v)).map((v) => `${at}: KAFKA_CONTROLLER_QUORUM_VOTERS lacks ${v}…`),
        ...(b.env.KAFKA_DEFAULT_REPLICATION_FACTOR === '3'
          ? []
          : [`${at}: KAFKA_DEFAULT_REPLICATION_FACTOR ${b.env.KAFKA_DEFAULT_REPLICATION_FACTOR}, expected 3`]),
        ...(b.env.KAFKA_MIN_INSYNC_REPLICAS === '2' ? [] : [`${at}: KAFKA_MIN_INSYNC_REPLICAS ${b.env.KAFKA_MIN_INSYNC_REPLICAS}, expected 2`]),
        ...(b.env.KAFKA_AUTO_CREATE_TOPICS_ENABLE === 'true' ? [] : [`${at}: KAFKA_AUTO_CREATE_TOPICS_ENABLE should be true`]),
        ...(internalListener(b)?.startsWith(`${b.spec.hostname ?? b.name}:`) ? [] : [`${at}: advertises no internal listener under its own name`]),
      ];
    });
    const expected = internal
      .filter((l): l is string => l !== undefined)
      .sort()
      .join(',');
    for (const s of composeTide()) {
      const actual = (s.env.TIDE_KAFKA_BROKERS ?? '').split(',').filter(Boolean).sort().join(',');
      if (actual !== expected)
        problems.push(
          `${COMPOSE}: service ${s.name}: TIDE_KAFKA_BROKERS="${s.env.TIDE_KAFKA_BROKERS ?? ''}", expected the brokers' internal listeners ${expected}`,
        );
    }
    expect(problems).toEqual([]);
  });

  it("creates Tide's topics up front, each with one partition, tide.leases compacted, tide.artifacts kept and not compacted, no tide.leader, and the triggers process's topics with a bounded retention", () => {
    const init = composeServices().find((s) => JSON.stringify(s.spec.command ?? '').includes('kafka-topics.sh'));
    expect(init, `${COMPOSE}: no service runs kafka-topics.sh`).toBeDefined();
    const script = [init!.spec.entrypoint ?? [], init!.spec.command ?? []].flat().join('\n');
    const topics = createdTopics(script);
    const byName = new Map(topics.map((t) => [t.topic, t]));
    const at = `${COMPOSE}: service ${init!.name}`;
    const state = byName.get('tide.state');
    const artifacts = byName.get('tide.artifacts');
    const compacted = (t: { configs: string[] } | undefined) => t?.configs.some((c) => /^cleanup\.policy=.*compact/.test(c)) ?? false;
    /** Deleted by age: the policy is delete (Kafka's default when none is set) or compact,delete, and retention.ms is finite. */
    const retentionMs = (t: { configs: string[] } | undefined): number | undefined => {
      const policy = t?.configs.find((c) => c.startsWith('cleanup.policy='))?.split('=')[1] ?? 'delete';
      const retention = Number(t?.configs.find((c) => c.startsWith('retention.ms='))?.split('=')[1] ?? Number.NaN);
      return policy.split(',').includes('delete') && retention > 0 ? retention : undefined;
    };
    const invocations = byName.get('tide.invocations');
    const activations = byName.get('tide.activations');
    const journal = byName.get('tide.triggers');
    const keepActivations = activationMaxAgeMs();
    const problems = [
      ...TIDE_TOPICS.filter((t) => !byName.has(t)).map((t) => `${at}: does not create ${t}`),
      ...topics
        .filter((t) => t.topic.startsWith('tide.') && !TIDE_TOPICS.includes(t.topic))
        .map(
          (t) =>
            `${at}: creates ${t.topic}, which Tide does not use${t.topic === 'tide.leader' ? ' (leadership is a lease on tide.leases plus LeaderElected on tide.state)' : ''}`,
        ),
      // The Kafka adapter reads and writes partition 0 only: a second partition would go unread.
      ...topics
        .filter((t) => TIDE_TOPICS.includes(t.topic) && t.partitions !== 1)
        .map((t) => `${at}: ${t.topic} must have --partitions 1 (Tide uses partition 0 only), got ${t.partitions ?? "the broker's default"}`),
      ...(state?.replication === 3 ? [] : [`${at}: tide.state needs replication factor 3`]),
      ...(state?.configs.includes('min.insync.replicas=2') ? [] : [`${at}: tide.state needs min.insync.replicas=2`]),
      ...(state?.configs.includes('retention.ms=-1') ? [] : [`${at}: tide.state must be kept forever (retention.ms=-1): it is the source of truth`]),
      ...(compacted(byName.get('tide.leases')) ? [] : [`${at}: tide.leases must be compacted (cleanup.policy=compact)`]),
      ...(compacted(byName.get('tide.kv')) ? [] : [`${at}: tide.kv must be compacted (cleanup.policy=compact): only each key's latest value matters`]),
      ...(artifacts?.configs.includes('retention.ms=-1')
        ? []
        : [`${at}: tide.artifacts must be kept forever (retention.ms=-1): a restarted control plane re-reads it from the start`]),
      ...(compacted(artifacts) ? [`${at}: tide.artifacts must not be compacted: the chunks of one artifact share a key`] : []),
      // Async calls are keyed <namespace>/<function>: compaction would keep one queued call per function.
      ...(compacted(invocations) ? [`${at}: tide.invocations must not be compacted: queued calls of one function share a key`] : []),
      ...(retentionMs(invocations) === undefined
        ? [`${at}: tide.invocations needs a retention.ms (delete policy): taken calls live on in tide.activations`]
        : []),
      ...(compacted(activations) ? [] : [`${at}: tide.activations must be compacted: records are rewritten per activation id`]),
      ...(retentionMs(activations) === keepActivations
        ? []
        : [
            `${at}: tide.activations must also be deleted after the ${keepActivations} ms the control plane keeps activations (cleanup.policy=compact,delete, retention.ms=${keepActivations}), got retention ${retentionMs(activations) ?? 'none'}`,
          ]),
      ...(compacted(journal) ? [] : [`${at}: tide.triggers must be compacted: each attempt rewrites its record's entry`]),
      ...(retentionMs(journal) === undefined
        ? [`${at}: tide.triggers needs a retention (compact,delete): its keys (record coordinates) never come back, so compaction alone keeps every entry`]
        : []),
      ...topics.filter((t) => (t.replication ?? 0) > 3).map((t) => `${at}: ${t.topic} asks replication ${t.replication} from 3 brokers`),
      ...[...topicsDeclared()]
        .filter(([t]) => !TIDE_TOPICS.includes(t))
        .map(([t, file]) => `${file} names topic ${t}, missing from this test's TIDE_TOPICS (and so perhaps from kafka-init)`),
    ];
    const dependsOn = Object.keys(init!.spec.depends_on ?? {});
    problems.push(
      ...composeServices()
        .filter(isKafkaBroker)
        .filter((b) => !dependsOn.includes(b.name))
        .map((b) => `${at}: does not wait for ${b.name}`),
    );
    expect(problems).toEqual([]);
  });

  it('mounts files, reads env files and builds from paths that exist, and named volumes it declares', () => {
    const dir = dirname(join(root, COMPOSE));
    const declared = Object.keys(yamlFile(COMPOSE)?.volumes ?? {});
    const named = composeServices().flatMap((s) =>
      ((s.spec.volumes ?? []) as Yaml[])
        .filter((v) => (typeof v === 'string' ? v.includes(':') : v.type === 'volume' || v.type === undefined))
        .map((v) => (typeof v === 'string' ? v.split(':')[0]! : String(v.source)))
        .filter((m) => !m.startsWith('.') && !m.startsWith('/'))
        .map((volume) => ({ service: s.name, volume })),
    );
    const volumeProblems = [
      ...named
        .filter(({ volume }) => !declared.includes(volume))
        .map(({ service, volume }) => `${COMPOSE}: service ${service} mounts volume ${volume}, which the top-level volumes do not declare`),
      ...declared.filter((v) => !named.some(({ volume }) => volume === v)).map((v) => `${COMPOSE}: volume ${v} is declared but no service mounts it`),
    ];
    const problems = composeServices().flatMap((s) => {
      const mounts = ((s.spec.volumes ?? []) as Yaml[]).map((v) => (typeof v === 'string' ? v.split(':')[0]! : String(v.source)));
      const paths = [...mounts.filter((m) => m.startsWith('.') || m.startsWith('/')), ...s.envFiles].map((m) => resolve(dir, m));
      if (s.spec.build) {
        const context = resolve(dir, s.spec.build.context ?? '.');
        paths.push(context, resolve(context, s.spec.build.dockerfile ?? 'Dockerfile'));
      }
      return paths.filter((p) => !existsSync(p)).map((p) => `${COMPOSE}: service ${s.name} uses ${relative(root, p)}, which does not exist`);
    });
    expect([...problems, ...volumeProblems]).toEqual([]);
  });
});

describe('infra/prometheus/prometheus.yml', () => {
  it('scrapes every control plane, gateway and triggers process on its --port, and the collector on a port it serves', () => {
    const at = 'infra/prometheus/prometheus.yml';
    const services = composeServices();
    const targets: string[] = (yamlFile(at)?.scrape_configs ?? []).flatMap((job: Yaml) => (job.static_configs ?? []).flatMap((c: Yaml) => c.targets ?? []));
    const problems = targets.flatMap((target) => {
      const [host, port] = target.split(':');
      const service = services.find((s) => s.hosts.includes(host!));
      if (!service) return [`${at}: target ${target} names no service in ${COMPOSE}`];
      if (composeTide().some((s) => s.name === service.name)) {
        return flagValue(service.argv, '--port') === port
          ? []
          : [`${at}: target ${target}, but ${service.name} listens on --port ${flagValue(service.argv, '--port')}`];
      }
      if (String(service.spec.image).includes('opentelemetry-collector')) {
        return collectorPorts().includes(Number(port))
          ? []
          : [`${at}: target ${target}, but infra/otel/collector.yaml serves metrics on ${collectorPorts().join(', ')}`];
      }
      return [];
    });
    const unscraped = composeTide()
      .filter((s) => flagValue(s.argv, '--port') !== undefined && !targets.includes(`${s.name}:${flagValue(s.argv, '--port')}`))
      .map((s) => `${at}: ${s.name}'s /metrics is not scraped`);
    const collector = services.find((s) => String(s.spec.image).includes('opentelemetry-collector'));
    const collectorScraped = targets.some((t) => collector?.hosts.includes(t.split(':')[0]!));
    expect([...problems, ...unscraped, ...(collectorScraped ? [] : [`${at}: the collector is not scraped`])]).toEqual([]);
  });

  it("gets each Tide process's metrics once: scraped at its /metrics, or pushed to the collector over OTLP, never both or neither", () => {
    const at = 'infra/prometheus/prometheus.yml';
    const targets: string[] = (yamlFile(at)?.scrape_configs ?? []).flatMap((job: Yaml) => (job.static_configs ?? []).flatMap((c: Yaml) => c.targets ?? []));
    const problems = composeTide().flatMap((s) => {
      const port = flagValue(s.argv, '--port');
      const scraped = port !== undefined && targets.includes(`${s.name}:${port}`);
      // As the process itself reads its OTEL_* variables (@tide/telemetry's metricExportConfig).
      const pushed = metricExportConfig(s.env).otlp !== undefined;
      if (scraped && pushed) return [`${COMPOSE}: ${s.name} is scraped at ${s.name}:${port} and pushes over OTLP too: its series would reach Prometheus twice`];
      if (!scraped && !pushed) return [`${COMPOSE}: ${s.name}'s metrics reach Prometheus neither way (no scrape target, OTEL_METRICS_EXPORTER pushes nothing)`];
      return [];
    });
    expect(problems).toEqual([]);
  });
});

describe('infra/grafana', () => {
  it('charts every Tide metric, and only metrics some Tide source creates, from the provisioned datasource', () => {
    const file = 'infra/grafana/dashboards/tide.json';
    const dashboard = JSON.parse(readFileSync(join(root, file), 'utf8')) as {
      panels: { title: string; datasource?: { uid?: string }; targets: { expr: string; datasource?: { uid?: string } }[] }[];
    };
    const uids = filesUnder(join(infra, 'grafana/provisioning/datasources'), /\.ya?ml$/).flatMap((f) =>
      (yamlDocuments(f).docs[0]?.datasources ?? []).map((d: Yaml) => d.uid),
    );
    const used = new Set<string>();
    const served = servedMetrics();
    const problems: string[] = TIDE_METRICS.filter((m) => !served.has(m)).map(
      (m) => `test/infra/infra.test.ts: TIDE_METRICS lists ${m}, which no package source creates (created: ${[...served.keys()].join(', ')})`,
    );
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        for (const uid of [panel.datasource?.uid, target.datasource?.uid])
          if (uid && !uids.includes(uid)) problems.push(`${file}: panel "${panel.title}" uses datasource ${uid}, not provisioned`);
        problems.push(...queryProblems(`${file}: panel "${panel.title}"`, target.expr, served, used));
      }
    }
    problems.push(...TIDE_METRICS.filter((m) => !used.has(m)).map((m) => `${file}: no panel shows ${m}`));
    expect(problems).toEqual([]);
  });

  it('has Prometheus recording and alerting rules, if any, query only metrics some Tide source creates', () => {
    const at = 'infra/prometheus/prometheus.yml';
    const served = servedMetrics();
    const ruleFiles: string[] = yamlFile(at)?.rule_files ?? [];
    const problems = ruleFiles.flatMap((rel) => {
      const path = join(infra, 'prometheus', rel);
      if (!existsSync(path)) return [`${at}: rule_files names ${rel}, which does not exist beside it`];
      const groups: Yaml[] = yamlFile(relative(root, path))?.groups ?? [];
      return groups.flatMap((g) =>
        (g.rules ?? []).flatMap((r: Yaml) => queryProblems(`${rel}: rule ${r.record ?? r.alert}`, String(r.expr), served, new Set())),
      );
    });
    expect(problems).toEqual([]);
  });
});

/**
 * The Tide series a PromQL expression names, checked against the families Tide serves: a counter
 * or gauge by its name, a histogram only by its `_bucket`, `_sum` or `_count` series (there is no
 * series under a histogram's bare name). Adds each family used to `used`.
 */
function queryProblems(where: string, expr: string, served: ReturnType<typeof servedMetrics>, used: Set<string>): string[] {
  const created = () => [...served.keys()].join(', ');
  return [...expr.matchAll(/\btide_[a-z0-9_]+/g)].flatMap(([series]) => {
    const direct = served.get(series);
    if (direct && direct.kind !== 'histogram') return (used.add(series), []);
    const family = series.replace(/_(bucket|sum|count)$/, '');
    if (family !== series && served.get(family)?.kind === 'histogram') return (used.add(family), []);
    if (direct) return [`${where} queries ${series}, a histogram: query ${series}_bucket, _sum or _count`];
    return [`${where} queries ${series}, which no Tide source creates (created: ${created()})`];
  });
}

describe(`${KUBERNETES}`, () => {
  it('lists every manifest in kustomization.yaml', () => {
    const listed: string[] = yamlFile(`${KUBERNETES}/kustomization.yaml`)?.resources ?? [];
    const present = filesUnder(join(root, KUBERNETES), /\.ya?ml$/)
      .map((f) => relative(join(root, KUBERNETES), f))
      .filter((f) => f !== 'kustomization.yaml');
    expect([...listed].sort(), `${KUBERNETES}/kustomization.yaml resources vs the files beside it`).toEqual(present.sort());
  });

  it('runs every Tide container as `tide <subcommand>` with flags and TIDE_* variables the CLI knows', () => {
    const objects = kubernetesObjects();
    const configMaps = new Map(objects.filter((o) => o.doc.kind === 'ConfigMap').map((o) => [o.doc.metadata.name as string, o]));
    const tide = workloads(objects).flatMap((w) =>
      containersOf(w)
        .filter((c) => isTideImage(c.image))
        .map((c) => ({ w, c })),
    );
    expect(tide.map(({ c }) => c.args?.[0]).sort()).toEqual(['control-plane', 'gateway', 'node', 'triggers']);
    const problems = tide.flatMap(({ w, c }) => {
      const at = nameOf(w, c);
      const fromMaps = ((c.envFrom ?? []) as Yaml[]).map((e) => e.configMapRef?.name).filter(Boolean) as string[];
      return [
        ...(c.command ? [`${at}: sets command, replacing the image's \`tide\` entrypoint; put the subcommand in args`] : []),
        ...argvProblems(at, (c.args ?? []).map(String)),
        ...variableProblems(
          at,
          ((c.env ?? []) as Yaml[]).map((e) => e.name),
        ),
        ...fromMaps.filter((name) => !configMaps.has(name)).map((name) => `${at}: envFrom ConfigMap ${name}, which no manifest defines`),
        ...fromMaps.flatMap((name) =>
          configMaps.get(name) ? variableProblems(`${configMaps.get(name)!.file}: ConfigMap ${name}`, Object.keys(configMaps.get(name)!.doc.data ?? {})) : [],
        ),
      ];
    });
    expect([...new Set(problems)]).toEqual([]);
  });

  it('exposes, probes and serves the port each process listens on', () => {
    const objects = kubernetesObjects();
    const problems = workloads(objects).flatMap((w) =>
      containersOf(w).flatMap((c) => {
        const at = nameOf(w, c);
        const port = flagValue((c.args ?? []).map(String), '--port');
        const ports = (c.ports ?? []) as Yaml[];
        const probes = (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).filter((p) => c[p]).map((p) => ({ p, probe: c[p] }));
        return [
          ...(port !== undefined && !ports.some((p) => p.containerPort === Number(port))
            ? [`${at}: listens on --port ${port}, but no containerPort is ${port}`]
            : []),
          ...(port !== undefined && (!c.readinessProbe || !c.livenessProbe) ? [`${at}: serves HTTP but lacks a readiness or liveness probe`] : []),
          ...probes
            .filter(({ probe }) => probe.httpGet && !portMatches(probe.httpGet.port, ports))
            .map(({ p, probe }) => `${at}: ${p} asks port ${probe.httpGet.port}, not a port of this container`),
          ...probes
            .filter(({ probe }) => probe.httpGet && !['/healthz', '/readyz'].includes(probe.httpGet.path))
            .map(({ p, probe }) => `${at}: ${p} asks ${probe.httpGet.path}; Tide serves /healthz and /readyz`),
        ];
      }),
    );
    for (const service of objects.filter((o) => o.doc.kind === 'Service')) {
      const backends = workloads(objects).filter((w) => selects(service.doc.spec?.selector, w.doc.spec?.template?.metadata?.labels));
      if (backends.length === 0) problems.push(`${nameOf(service)}: its selector matches no workload`);
      const ports = backends.flatMap((w) => containersOf(w).flatMap((c) => c.ports ?? []));
      for (const p of service.doc.spec?.ports ?? []) {
        if (!portMatches(p.targetPort ?? p.port, ports))
          problems.push(
            `${nameOf(service)}: targetPort ${p.targetPort ?? p.port} is no containerPort of ${backends.map((w) => w.doc.metadata.name).join(', ')}`,
          );
      }
    }
    for (const ingress of objects.filter((o) => o.doc.kind === 'Ingress')) {
      for (const path of (ingress.doc.spec?.rules ?? []).flatMap((r: Yaml) => r.http?.paths ?? [])) {
        const { name, port } = path.backend?.service ?? {};
        const service = objects.find((o) => o.doc.kind === 'Service' && o.doc.metadata.name === name);
        const servicePorts = (service?.doc.spec?.ports ?? []) as Yaml[];
        if (!servicePorts.some((p) => p.name === port?.name || p.port === port?.number))
          problems.push(`${nameOf(ingress)}: ${path.path} goes to ${name}:${port?.name ?? port?.number}, which is no Service port`);
      }
    }
    for (const w of workloads(objects)) {
      if (!selects(w.doc.spec?.selector?.matchLabels, w.doc.spec?.template?.metadata?.labels))
        problems.push(`${nameOf(w)}: selector does not match its pod template's labels`);
      if (w.doc.spec?.template?.spec?.securityContext?.runAsNonRoot !== true) problems.push(`${nameOf(w)}: pods should set runAsNonRoot`);
    }
    expect(problems).toEqual([]);
  });

  it('runs the triggers process twice (leader election), through the gateway Service, with the Secret token the gateway holds, its /metrics scraped', () => {
    const objects = kubernetesObjects();
    const tide = workloads(objects).flatMap((w) =>
      containersOf(w)
        .filter((c) => isTideImage(c.image))
        .map((c) => ({ w, c, args: ((c.args ?? []) as unknown[]).map(String) })),
    );
    const triggers = tide.filter(({ args }) => args[0] === 'triggers');
    const gateways = tide.filter(({ args }) => args[0] === 'gateway');
    expect(triggers.length, `${KUBERNETES}: no container runs tide triggers`).toBeGreaterThan(0);
    /** Where a container's TIDE_COMPONENT_TOKEN comes from: secret/key, or a problem. */
    const tokenSource = ({ w, c }: { w: K8sObject; c: Yaml }): string => {
      const entry = ((c.env ?? []) as Yaml[]).find((e) => e.name === 'TIDE_COMPONENT_TOKEN');
      const ref = entry?.valueFrom?.secretKeyRef;
      if (!ref) return `${nameOf(w, c)}: TIDE_COMPONENT_TOKEN should come from a Secret (valueFrom.secretKeyRef), got ${JSON.stringify(entry ?? 'nothing')}`;
      const secret = objects.find((o) => o.doc.kind === 'Secret' && o.doc.metadata?.name === ref.name);
      if (!secret) return `${nameOf(w, c)}: TIDE_COMPONENT_TOKEN from Secret ${ref.name}, which no manifest defines`;
      if (!(ref.key in { ...(secret.doc.data ?? {}), ...(secret.doc.stringData ?? {}) })) return `${nameOf(w, c)}: Secret ${ref.name} has no key ${ref.key}`;
      return `${ref.name}/${ref.key}`;
    };
    const sources = [...gateways, ...triggers].map(tokenSource);
    const problems = [
      ...sources.filter((s) => s.includes(': ')),
      ...(new Set(sources.filter((s) => !s.includes(': '))).size > 1
        ? [`${KUBERNETES}: gateway and triggers take TIDE_COMPONENT_TOKEN from different Secrets or keys: ${[...new Set(sources)].join(', ')}`]
        : []),
    ];
    for (const { w, c, args } of triggers) {
      const at = nameOf(w, c);
      if (w.doc.kind !== 'Deployment' || !(Number(w.doc.spec?.replicas) >= 2))
        problems.push(`${at}: run it as a Deployment of 2 replicas or more: cron and async calls fail over to a second one (replicas ${w.doc.spec?.replicas})`);
      const gateway = flagValue(args, '--gateway');
      if (!gateway) {
        problems.push(`${at}: no --gateway; it would deliver to --server's default, 127.0.0.1`);
        continue;
      }
      const url = new URL(gateway);
      const service = objects.find((o) => o.doc.kind === 'Service' && o.doc.metadata.name === url.hostname.split('.')[0]);
      const port = url.port || (url.protocol === 'https:' ? '443' : '80');
      if (!service) problems.push(`${at}: --gateway ${gateway} names no Service`);
      else {
        if (!(service.doc.spec?.ports ?? []).some((p: Yaml) => String(p.port) === port))
          problems.push(`${at}: --gateway port ${port} is no port of Service ${service.doc.metadata.name}`);
        const backends = workloads(objects).filter((b) => selects(service.doc.spec?.selector, b.doc.spec?.template?.metadata?.labels));
        if (!backends.some((b) => containersOf(b).some((bc) => bc.args?.[0] === 'gateway')))
          problems.push(`${at}: --gateway ${gateway} does not select the gateway`);
      }
      const services = objects.filter((o) => o.doc.kind === 'Service' && selects(o.doc.spec?.selector, w.doc.spec?.template?.metadata?.labels));
      if (services.length === 0) problems.push(`${at}: no Service selects it, so nothing discovers its /metrics`);
    }
    // Every annotated scrape asks the port the process listens on.
    for (const w of workloads(objects)) {
      const annotations = w.doc.spec?.template?.metadata?.annotations ?? {};
      if (annotations['prometheus.io/scrape'] !== 'true') continue;
      const ports = containersOf(w).map((c) => flagValue(((c.args ?? []) as unknown[]).map(String), '--port'));
      if (!ports.includes(String(annotations['prometheus.io/port'])))
        problems.push(`${nameOf(w)}: prometheus.io/port ${annotations['prometheus.io/port']}, but its containers listen on --port ${ports.join(', ')}`);
    }
    if (!triggers.some(({ w }) => w.doc.spec?.template?.metadata?.annotations?.['prometheus.io/scrape'] === 'true'))
      problems.push(`${KUBERNETES}: the triggers pods are not annotated for Prometheus (prometheus.io/scrape, prometheus.io/port)`);
    expect(problems).toEqual([]);
  });

  it('has every node agent set TIDE_NODE_ADDRESS to its pod IP (downward API), so gateways on other nodes reach its pods', () => {
    const problems = workloads(kubernetesObjects()).flatMap((w) =>
      containersOf(w)
        .filter((c) => isTideImage(c.image) && c.args?.[0] === 'node')
        .flatMap((c) => {
          const at = nameOf(w, c);
          const entry = ((c.env ?? []) as Yaml[]).find((e) => e.name === 'TIDE_NODE_ADDRESS');
          // With hostNetwork the pod's IP is the host's, so status.hostIP is as good.
          const good = w.doc.spec?.template?.spec?.hostNetwork === true ? ['status.podIP', 'status.hostIP'] : ['status.podIP'];
          const field = entry?.valueFrom?.fieldRef?.fieldPath;
          if (flagValue((c.args as unknown[]).map(String), '--address') !== undefined)
            return [`${at}: --address is fixed in args; take the pod's IP from TIDE_NODE_ADDRESS (fieldRef status.podIP) instead`];
          if (!entry) return [`${at}: sets no TIDE_NODE_ADDRESS; its pods would listen on 127.0.0.1, out of the gateways' reach`];
          return good.includes(field)
            ? []
            : [
                `${at}: TIDE_NODE_ADDRESS should come from valueFrom.fieldRef.fieldPath ${good.join(' or ')}, got ${JSON.stringify(entry.valueFrom ?? entry.value)}`,
              ];
        }),
    );
    expect(problems).toEqual([]);
  });

  it('mounts only volumes its pod defines, and claims only PersistentVolumeClaims the manifests define', () => {
    const objects = kubernetesObjects();
    const claims = objects.filter((o) => o.doc.kind === 'PersistentVolumeClaim').map((o) => o.doc.metadata.name as string);
    const problems = workloads(objects).flatMap((w) => {
      const volumes = (w.doc.spec?.template?.spec?.volumes ?? []) as Yaml[];
      return [
        ...containersOf(w).flatMap((c) =>
          ((c.volumeMounts ?? []) as Yaml[])
            .filter((m) => !volumes.some((v) => v.name === m.name))
            .map((m) => `${nameOf(w, c)}: mounts volume ${m.name}, which the pod does not define`),
        ),
        ...volumes
          .filter((v) => v.persistentVolumeClaim && !claims.includes(v.persistentVolumeClaim.claimName))
          .map((v) => `${nameOf(w)}: volume ${v.name} claims ${v.persistentVolumeClaim.claimName}, which no manifest defines`),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('points node agents at the control plane Service, and keeps their capacity inside the container', () => {
    const objects = kubernetesObjects();
    const problems = workloads(objects).flatMap((w) =>
      containersOf(w)
        .filter((c) => isTideImage(c.image) && c.args?.[0] === 'node')
        .flatMap((c) => {
          const at = nameOf(w, c);
          const args = (c.args as unknown[]).map(String);
          const url = new URL(flagValue(args, '--server') ?? 'http://missing');
          const service = objects.find((o) => o.doc.kind === 'Service' && o.doc.metadata.name === url.hostname.split('.')[0]);
          const backends = workloads(objects).filter((b) => service && selects(service.doc.spec?.selector, b.doc.spec?.template?.metadata?.labels));
          const memoryMb = Number(flagValue(args, '--memory'));
          const limitMb = mebibytes(String(c.resources?.limits?.memory ?? ''));
          return [
            ...(!service ? [`${at}: --server ${url.href} names no Service`] : []),
            ...(service && !(service.doc.spec?.ports ?? []).some((p: Yaml) => String(p.port) === url.port)
              ? [`${at}: --server port ${url.port} is no port of Service ${service.doc.metadata.name}`]
              : []),
            ...(service && !backends.some((b) => containersOf(b).some((bc) => bc.args?.[0] === 'control-plane'))
              ? [`${at}: --server ${url.href} does not select the control plane`]
              : []),
            ...(!(memoryMb < limitMb)
              ? [`${at}: --memory ${memoryMb} MB must stay below the container's memory limit (${c.resources?.limits?.memory}); pods are its children`]
              : []),
          ];
        }),
    );
    const brokers = objects
      .filter((o) => o.doc.kind === 'ConfigMap')
      .map((o) => ({ o, value: o.doc.data?.TIDE_KAFKA_BROKERS as string | undefined }))
      .filter(({ value }) => value !== undefined);
    if (brokers.length === 0) problems.push(`${KUBERNETES}: no ConfigMap sets TIDE_KAFKA_BROKERS`);
    for (const { o, value } of brokers) {
      for (const server of value!.split(','))
        if (!/^[a-z0-9.-]+:\d+$/.test(server.trim())) problems.push(`${nameOf(o)}: TIDE_KAFKA_BROKERS entry "${server}" is not host:port`);
    }
    expect(problems).toEqual([]);
  });
});

describe("this test's parsers", () => {
  it('reads subcommands, their flags and the common flags from the help texts', () => {
    const overview =
      'tide\n\nCommands:\n  node     a node agent\n  cordon   cordon it\n\nFlags of every command:\n  -n, --namespace NS   namespace (default "default")\n';
    const node =
      'tide node\n\nUsage: tide node [flags]\n\nFlags:\n      --server URL   where\n      --label K=V    a label\n  -o, --output F     out\n\nFlags of every command:\n  -n, --namespace NS   ns\n';
    const { commands, common } = parseHelp({
      overview,
      commands: new Map([
        ['node', node],
        ['cordon', 'tide cordon\n\nUsage: tide cordon <node>\n'],
      ]),
    });
    expect([...commands.get('node')!]).toEqual(['--server', '--label', '-o', '--output']);
    expect([...commands.keys()]).toEqual(['node', 'cordon']);
    expect([...common]).toEqual(['-n', '--namespace']);
  });

  it('finds topic creations in a shell script', () => {
    const topics = createdTopics(
      't=kafka-topics.sh\n$t --create --topic tide.state \\\n  --partitions 1 --replication-factor 3\n$t --create --if-not-exists --topic tide.leases --config cleanup.policy=compact\n$t --describe --topic x',
    );
    expect(topics).toEqual([
      { topic: 'tide.state', partitions: 1, replication: 3, configs: [] },
      { topic: 'tide.leases', configs: ['cleanup.policy=compact'] },
    ]);
  });
});
