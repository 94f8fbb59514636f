import type { ClientCredential } from '../api-client.js';
import type { CliConfig } from '../cli-config/config-format.js';

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

/**
 * What a command runs with. `server`, `credential`, `namespace` and `contextName` are worked out
 * from the config's context when a command first reads them, so that a command that talks to no
 * server (up, version, config) runs whatever context --context or TIDE_CONTEXT names.
 */
export interface CommandContext {
  flags: Record<string, string | boolean | string[] | undefined>;
  args: string[];
  server: string;
  /** The token for `server` (TIDE_TOKEN or the context's) and where it came from. */
  credential: ClientCredential;
  /** -n, else the context's namespace, else "default". */
  namespace: string;
  /** The config context in effect, if any (--context, TIDE_CONTEXT, the current one, or the one for --server). */
  contextName: string | undefined;
  /** The CLI's config file, written by login, up and config (TIDE_CONFIG or ~/.config/tide/config). */
  configFile: string;
  /** Its contexts, as read at the start. */
  config: CliConfig;
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
  namespace: { type: 'string', short: 'n', value: 'NS', help: 'namespace (default the context\'s, else "default")' },
  server: { type: 'string', value: 'URL', help: "Tide API and gateway (default $TIDE_SERVER, else the context's, else http://127.0.0.1:8080)" },
  context: { type: 'string', value: 'NAME', help: 'the config context to use (default $TIDE_CONTEXT, else the current one: tide config get-contexts)' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};
