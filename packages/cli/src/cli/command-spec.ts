import type { ClientCredential } from '../api-client.js';

/** A flag a command takes: `--name VALUE` (string) or `--name` (boolean), some repeatable. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** What VALUE stands for in help (`--wait SECONDS`). */
  value?: string;
  help: string;
  /** Left out of help and completion (set by Tide itself, e.g. --exit-with-parent). */
  hidden?: boolean;
}

/** A positional argument; `choices` makes it a sub-command word (`rollout status|undo`). */
export interface ArgSpec {
  name: string;
  required?: boolean;
  choices?: readonly string[];
}

export interface CommandContext {
  flags: Record<string, string | boolean | string[] | undefined>;
  args: string[];
  server: string;
  /** The token for `server` (TIDE_TOKEN or the config's entry) and where it came from. */
  credential: ClientCredential;
  /** The CLI's config file (TIDE_CONFIG or ~/.config/tide/config.json). */
  configFile: string;
  namespace: string;
  /** The environment: TIDE_* settings of the long-running commands (a flag wins over its variable). */
  env: Readonly<Record<string, string | undefined>>;
  print: (line: string) => void;
}

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  args: readonly ArgSpec[];
  flags: Readonly<Record<string, FlagSpec>>;
  /** Command lines that work as written, each with what it does. */
  examples: readonly (readonly [string, string])[];
  /** Longer explanation for `tide help <command>`, when the summary is not enough. */
  details?: string;
  run(context: CommandContext): Promise<void>;
}

/** Flags every command takes. */
export const GLOBAL_FLAGS: Readonly<Record<string, FlagSpec>> = {
  namespace: { type: 'string', short: 'n', value: 'NS', help: 'namespace (default "default")' },
  server: { type: 'string', value: 'URL', help: 'Tide API and gateway (default $TIDE_SERVER or http://127.0.0.1:8080)' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};
