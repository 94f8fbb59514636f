import { readFileSync } from 'node:fs';
import { CliError } from '../api-client.js';
import type { CommandSpec } from './command-spec.js';
import { completionScript } from './completion.js';
import { configCommand } from './config-commands.js';
import { activationCommand, activationsCommand } from './activation-commands.js';
import { loginCommand, logoutCommand, tokenCommand, whoamiCommand } from './auth-commands.js';
import { autoscaleCommand, deployCommand, invokeCommand, logsCommand, rolloutCommand } from './function-commands.js';
import { devCommand, initCommand } from './dev-commands.js';
import { commandHelp, overview } from './help-text.js';
import { controlPlaneCommand, gatewayCommand, nodeCommand, triggersCommand, upCommand } from './process-commands.js';
import { publishCommand } from './topic-commands.js';
import { explainCommand, topCommand } from './observe-commands.js';
import {
  applyCommand,
  cordonCommand,
  createCommand,
  deleteCommand,
  describeCommand,
  drainCommand,
  eventsCommand,
  getCommand,
  logRepairCommand,
  scaleCommand,
  uncordonCommand,
} from './resource-commands.js';

/** The version of the CLI, from its package.json. */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const versionCommand: CommandSpec = {
  name: 'version',
  summary: "this CLI's version (also --version)",
  args: [],
  flags: {},
  examples: [['tide version', 'tide 0.1.0 (node v20.20.2)']],
  async run({ print }) {
    print(`tide ${cliVersion()} (node ${process.version})`);
  },
};

const helpCommand: CommandSpec = {
  name: 'help',
  summary: "every command, or one command's flags and examples",
  args: [{ name: 'command' }],
  flags: {},
  examples: [['tide help deploy', "deploy's flags and examples"]],
  async run({ args, print }) {
    if (!args[0]) return print(overview(COMMANDS));
    print(commandHelp(findCommand(args[0])));
  },
};

const completionCommand: CommandSpec = {
  name: 'completion',
  summary: 'a shell completion script: source <(tide completion bash)',
  args: [{ name: 'shell', required: true, choices: ['bash', 'zsh'] }],
  flags: {},
  examples: [
    ['source <(tide completion bash)', 'complete tide commands and flags in this bash'],
    ["echo 'source <(tide completion zsh)' >> ~/.zshrc", 'in every zsh'],
  ],
  async run({ args, print }) {
    print(completionScript(args[0] as 'bash' | 'zsh', COMMANDS));
  },
};

export const COMMANDS: readonly CommandSpec[] = [
  upCommand,
  initCommand,
  deployCommand,
  devCommand,
  invokeCommand,
  publishCommand,
  activationsCommand,
  activationCommand,
  getCommand,
  describeCommand,
  createCommand,
  deleteCommand,
  applyCommand,
  scaleCommand,
  logsCommand,
  eventsCommand,
  topCommand,
  explainCommand,
  rolloutCommand,
  autoscaleCommand,
  cordonCommand,
  uncordonCommand,
  drainCommand,
  loginCommand,
  logoutCommand,
  whoamiCommand,
  tokenCommand,
  configCommand,
  controlPlaneCommand,
  gatewayCommand,
  nodeCommand,
  triggersCommand,
  logRepairCommand,
  completionCommand,
  versionCommand,
  helpCommand,
];

export function findCommand(name: string): CommandSpec {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new CliError(`unknown command "${name}": run 'tide help' for the list`, 2);
  return command;
}
