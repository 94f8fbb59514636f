import { resolve } from 'node:path';
import { CliError, serverUrl } from '../api-client.js';
import type { ContextAction } from '../commands/config.js';
import type { CommandContext, CommandSpec } from './command-spec.js';
import { str } from './process-commands.js';

const ACTIONS = ['get-contexts', 'current-context', 'use-context', 'delete-context', 'rename-context', 'set-context'] as const;
type Action = (typeof ACTIONS)[number];

/** Each action's usage line, said when its names or flags are wrong. */
const USAGE: Record<Action, string> = {
  'get-contexts': 'tide config get-contexts',
  'current-context': 'tide config current-context',
  'use-context': 'tide config use-context <NAME>',
  'delete-context': 'tide config delete-context <NAME>',
  'rename-context': 'tide config rename-context <OLD> <NEW>',
  'set-context': 'tide config set-context <NAME>|--current [--server URL] [--namespace NS] [--token-file FILE]',
};

export const configCommand: CommandSpec = {
  name: 'config',
  summary: "the CLI's contexts (a server, its credential, a default namespace), as kubectl config: get-contexts, use-context, set-context, ...",
  args: [
    { name: 'action', required: true, choices: ACTIONS },
    { name: 'name', required: false },
    { name: 'new-name', required: false },
  ],
  flags: {
    current: { type: 'boolean', help: 'set-context: change the current context (instead of naming one)' },
    'token-file': { type: 'string', value: 'FILE', help: "set-context: the context's credential is the token in FILE (named, not copied)" },
  },
  examples: [
    ['tide config get-contexts', 'CURRENT NAME SERVER NAMESPACE AUTH (never a token itself)'],
    ['tide config current-context', 'the name of the current context'],
    ['tide config use-context prod', 'commands go to prod from now on'],
    ['tide config set-context --current --namespace team-a', 'commands of the current context act in team-a unless -n says otherwise'],
    ['tide config set-context staging --server https://staging.example.com', 'a new context (tide login --context staging gives it a token)'],
    ['tide config rename-context 127.0.0.1:8080 local', 'a shorter name'],
    ['tide config delete-context staging', 'forget staging, its token with it'],
    ['tide get functions --context prod', 'one command in another context (or TIDE_CONTEXT=prod)'],
  ],
  details:
    'The config ($TIDE_CONFIG, else ~/.config/tide/config, mode 0600; while that does not exist, the config.json beside it that ' +
    'earlier releases wrote is read) holds named contexts, one of them current. `tide login` keeps a checked token in one, ' +
    '`tide up` names its admin token file in its own (tide-up-PORT) until it stops. A command uses --context, else TIDE_CONTEXT, ' +
    'else the current context: its server (unless --server or TIDE_SERVER names one), its credential (unless TIDE_TOKEN is set) ' +
    "and its namespace (unless -n is given). set-context's --server and --namespace are the flags every command takes; " +
    '--namespace "" takes the namespace away.',
  async run({ flags, args, config, configFile, print }) {
    const { changeContexts, contextsTable, currentContextName } = await import('../commands/config.js');
    const [action, name, newName] = args as [Action, string | undefined, string | undefined];
    const setOnly = ['current', 'token-file'].find((flag) => flags[flag] !== undefined);
    if (setOnly && action !== 'set-context') throw new CliError(`tide config ${action} does not take --${setOnly}\nUsage: ${USAGE[action]}`, 2);
    if (action === 'get-contexts' || action === 'current-context') {
      expectNames(action, [name, newName], 0);
      return print(action === 'get-contexts' ? contextsTable(config, configFile) : currentContextName(config, configFile));
    }
    print(changeContexts(configFile, contextAction(action, name, newName, flags, config.currentContext)));
  },
};

function contextAction(
  action: Exclude<Action, 'get-contexts' | 'current-context'>,
  name: string | undefined,
  newName: string | undefined,
  flags: CommandContext['flags'],
  currentContext: string | undefined,
): ContextAction {
  if (action === 'rename-context') return { action, name: expectNames(action, [name, newName], 2)[0]!, newName: newName! };
  if (action === 'use-context' || action === 'delete-context') return { action, name: expectNames(action, [name, newName], 1)[0]! };
  if (flags.current === true) {
    if (name !== undefined) throw new CliError(`tide config set-context: name a context or give --current, not both\nUsage: ${USAGE[action]}`, 2);
    if (currentContext === undefined) throw new CliError('tide config set-context --current: there is no current context (tide config use-context NAME)');
  } else expectNames(action, [name, newName], 1);
  const tokenFile = str(flags['token-file']);
  const server = str(flags.server) === undefined ? undefined : serverUrl(str(flags.server)!, '--server');
  if (server?.includes(',')) throw new CliError(`tide config set-context: --server "${flags.server}" must be one URL, the context's server`, 2);
  const change = {
    ...(server === undefined ? {} : { server }),
    ...(typeof flags.namespace === 'string' ? { namespace: flags.namespace } : {}),
    ...(tokenFile === undefined ? {} : { tokenFile: resolve(tokenFile) }),
  };
  return { action, name: name ?? currentContext!, change };
}

/** The names after the action, exactly `count` of them. */
function expectNames(action: Action, names: (string | undefined)[], count: number): (string | undefined)[] {
  const given = names.filter((n) => n !== undefined).length;
  if (given !== count) {
    const what = count === 0 ? 'takes no name' : count === 1 ? 'needs one context name' : 'needs the old and the new name';
    throw new CliError(`tide config ${action} ${what}\nUsage: ${USAGE[action]}`, 2);
  }
  return names;
}
