#!/usr/bin/env node
import { CliError } from './api-client.js';
import { configPath, loadConfig } from './cli-config/config-file.js';
import { resolveTarget, type Target } from './cli-config/target.js';
import { COMMANDS, cliVersion, findCommand } from './cli/command-table.js';
import { commandHelp, overview } from './cli/help-text.js';
import { parseCommandLine } from './cli/parse-command-line.js';
import { readCredential, targetSettings } from './credentials.js';
import { startCliTrace } from './cli-trace.js';

/** Commands that run a Tide process: they set up their own telemetry. */
const PROCESS_COMMANDS = new Set(['up', 'control-plane', 'gateway', 'triggers', 'node', 'dev']);

/** `tide <command> [arguments] [flags]`: finds the command, parses its words strictly, runs it. */
async function run(words: readonly string[]): Promise<void> {
  const print = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const [name, ...rest] = words;
  if (name === undefined || name === '-h' || name === '--help') return print(overview(COMMANDS));
  if (name === '--version' || name === '-v') return print(`tide ${cliVersion()} (node ${process.version})`);
  const command = findCommand(name);
  const { flags, args } = parseCommandLine(command, rest);
  if (flags.help) return print(commandHelp(command));
  const env = process.env;
  const configFile = configPath(env);
  const { config, readFrom } = loadConfig(configFile);
  const settings = targetSettings(flags, env);
  // Worked out when a command first asks, once: a context that does not exist fails only commands that use one.
  let target: Target | undefined;
  const targetNow = (): Target => {
    if (target) return target;
    const result = resolveTarget(settings, config, readFrom);
    if (!result.ok) throw new CliError(result.problem, result.exitCode);
    return (target = result.target);
  };
  let credential: ReturnType<typeof readCredential> | undefined;
  const endTrace = PROCESS_COMMANDS.has(command.name) ? undefined : await startCliTrace(command.name, env);
  try {
    await runCommand();
  } finally {
    await endTrace?.();
  }
  async function runCommand() {
    await command.run({
      flags,
      args,
      env,
      configFile,
      config,
      print,
      get server() {
        return targetNow().server;
      },
      get credential() {
        return (credential ??= readCredential(targetNow().credential));
      },
      get namespace() {
        return targetNow().namespace;
      },
      get contextName() {
        return targetNow().contextName;
      },
    });
  }
}

function fail(error: unknown): never {
  // A StartupError (@tide/process) or a MetricExportConfigError (@tide/telemetry: an OTEL_* variable
  // set wrong) says what to do, as a CliError does; matched by name so that every command need not
  // load the process packages.
  if (error instanceof CliError || (error instanceof Error && (error.name === 'StartupError' || error.name === 'MetricExportConfigError'))) {
    process.stderr.write(`tide: ${error.message}\n`);
    process.exit((error as { exitCode?: number }).exitCode ?? 1);
  }
  process.stderr.write(`tide: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}

run(process.argv.slice(2)).catch(fail);
