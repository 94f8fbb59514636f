import { parseArgs } from 'node:util';
import { CliError } from '../api-client.js';
import { GLOBAL_FLAGS, type CommandSpec, type FlagSpec } from './command-spec.js';

export interface ParsedCommandLine {
  flags: Record<string, string | boolean | string[] | undefined>;
  args: string[];
}

/**
 * Parses a command's words against what it takes: an unknown flag, a flag without its value, a
 * missing or extra argument or a word that is not one of the choices is a usage error (exit 2)
 * naming it, as kubectl's are.
 */
export function parseCommandLine(command: CommandSpec, words: readonly string[]): ParsedCommandLine {
  const options = optionsOf({ ...GLOBAL_FLAGS, ...command.flags });
  let parsed;
  try {
    parsed = parseArgs({ args: [...words], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${describeParseError(error as Error, command)}\nSee 'tide help ${command.name}'.`, 2);
  }
  const args = parsed.positionals;
  // Only string flags repeat (no repeatable boolean is declared), so arrays hold strings.
  const flags = parsed.values as ParsedCommandLine['flags'];
  if (flags.help) return { flags, args };
  command.args.forEach((spec, i) => {
    const word = args[i];
    if (word === undefined) {
      if (spec.required)
        throw new CliError(
          `tide ${command.name} needs ${spec.choices ? `one of ${spec.choices.join(', ')}` : `<${spec.name}>`}\nUsage: ${usageLine(command)}`,
          2,
        );
      return;
    }
    if (spec.choices && !spec.choices.includes(word))
      throw new CliError(`tide ${command.name}: "${word}" is not one of ${spec.choices.join(', ')}\nUsage: ${usageLine(command)}`, 2);
  });
  if (args.length > command.args.length) {
    throw new CliError(
      `tide ${command.name} takes ${command.args.length || 'no'} argument${command.args.length === 1 ? '' : 's'}: unexpected "${args[command.args.length]}"\nUsage: ${usageLine(command)}`,
      2,
    );
  }
  return { flags, args };
}

/** `tide deploy <dir> [flags]`, from the spec. */
export function usageLine(command: CommandSpec): string {
  const args = command.args.map((a) => {
    const word = a.choices ? a.choices.join('|') : `<${a.name}>`;
    return a.required ? word : `[${word}]`;
  });
  const flags = Object.values(command.flags).some((f) => !f.hidden) ? ['[flags]'] : [];
  return ['tide', command.name, ...args, ...flags].join(' ');
}

function optionsOf(flags: Readonly<Record<string, FlagSpec>>) {
  return Object.fromEntries(
    Object.entries(flags).map(([name, f]) => [name, { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }]),
  ) as Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
}

/** node:util's messages, said in the CLI's words. */
function describeParseError(error: Error, command: CommandSpec): string {
  const code = (error as { code?: string }).code;
  const flag = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `tide ${command.name} does not take ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    return /argument missing/.test(error.message) ? `${flag} needs a value` : `${flag} takes no value`;
  }
  return `tide ${command.name}: ${error.message}`;
}
