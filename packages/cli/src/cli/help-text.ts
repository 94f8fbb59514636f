import { GLOBAL_FLAGS, type CommandSpec, type FlagSpec } from './command-spec.js';
import { usageLine } from './parse-command-line.js';

const ENVIRONMENT = `Settings of the long-running commands from the environment (a flag wins over its variable):
  TIDE_PORT, TIDE_HOST, TIDE_DATA, TIDE_SERVER, TIDE_WARM_POOL, TIDE_NODE_GRACE_SECONDS,
  TIDE_SANDBOX (auto|bwrap|none), TIDE_INSECURE_SINGLE_TENANT (1), TIDE_ALLOW_POD_PORTS (5432,...),
  TIDE_NODE_NAME, TIDE_NODE_ADDRESS, TIDE_NODE_MEMORY_MB, TIDE_NODE_CPU_MILLI, TIDE_NODE_PODS,
  TIDE_NODE_LABELS (k=v,k2=v2), TIDE_NODE_TAINTS (k=v:NoSchedule,...), TIDE_ARTIFACT_CACHE_MB,
  TIDE_GATEWAY, TIDE_COMPONENT_TOKEN (shared by gateways and triggers processes);
  TIDE_KAFKA_BROKERS (host:port,...: run on Kafka), TIDE_KAFKA_FETCH_WAIT_MS (default 100),
  TIDE_KAFKA_TLS (true), TIDE_KAFKA_TLS_CA_FILE, TIDE_KAFKA_TLS_CERT_FILE, TIDE_KAFKA_TLS_KEY_FILE,
  TIDE_KAFKA_SASL_MECHANISM (plain|scram-sha-256|scram-sha-512), TIDE_KAFKA_SASL_USERNAME,
  TIDE_KAFKA_SASL_PASSWORD or TIDE_KAFKA_SASL_PASSWORD_FILE;
  OTEL_* as OpenTelemetry defines them.`;

const CLI_ENVIRONMENT = `The CLI's own settings from the environment (a flag wins over its variable, and both over the config's context):
  TIDE_CONFIG (the config file, default ~/.config/tide/config), TIDE_CONTEXT (--context), TIDE_SERVER (--server),
  TIDE_TOKEN (the token to send, whatever the context holds).`;

const EXIT_CODES = 'Exit codes: 0 done, 1 failed (the message says why), 2 wrong usage (a flag, an argument or a setting).';

/** `tide`, `tide help`: every command with one line each. */
export function overview(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'tide — an event-sourced serverless platform',
    '',
    'Usage: tide <command> [arguments] [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`),
    '',
    'Flags of every command:',
    ...flagLines(GLOBAL_FLAGS),
    '',
    CLI_ENVIRONMENT,
    '',
    ENVIRONMENT,
    '',
    EXIT_CODES,
    "Run 'tide help <command>' (or 'tide <command> --help') for a command's flags and examples.",
  ].join('\n');
}

/** `tide help deploy`, `tide deploy --help`: usage, flags and examples of one command. */
export function commandHelp(command: CommandSpec): string {
  const lines = [`tide ${command.name} — ${command.summary}`, '', `Usage: ${usageLine(command)}`];
  if (command.details) lines.push('', command.details);
  const own = flagLines(command.flags);
  if (own.length) lines.push('', 'Flags:', ...own);
  lines.push('', 'Flags of every command:', ...flagLines(GLOBAL_FLAGS));
  if (command.examples.length) {
    lines.push('', 'Examples:');
    for (const [line, what] of command.examples) lines.push(`  # ${what}`, `  ${line}`);
  }
  lines.push('', EXIT_CODES);
  return lines.join('\n');
}

function flagLines(flags: Readonly<Record<string, FlagSpec>>): string[] {
  const entries = Object.entries(flags).filter(([, f]) => !f.hidden);
  const names = entries.map(([name, f]) => `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`);
  const width = Math.max(0, ...names.map((n) => n.length));
  return entries.map(([, f], i) => `  ${names[i]!.padEnd(width)}   ${f.help}`);
}
