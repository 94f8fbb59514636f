import { type CliConfig, type CliContext, contextOf, knownContexts } from './config-format.js';
import { contextNameFor, uniqueContextName } from './context-names.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** What the command line and the environment say, before the config has its say. */
export interface TargetSettings {
  /** --context, else TIDE_CONTEXT. */
  context?: { name: string; from: '--context' | 'TIDE_CONTEXT' };
  /** --server, else TIDE_SERVER, normalised. */
  server?: string;
  /** -n. */
  namespace?: string;
  /** TIDE_TOKEN. */
  token?: string;
}

/** The credential to show, still to be read when it is a file; `source` says where it came from. */
export type CredentialRef =
  | { kind: 'token'; token: string; source: string }
  | { kind: 'file'; file: string; source: string }
  | { kind: 'none'; source: string };

export interface Target {
  server: string;
  namespace: string;
  credential: CredentialRef;
  /** The context in effect, if any. */
  contextName?: string;
}

export type TargetResult = { ok: true; target: Target } | { ok: false; problem: string; exitCode: 1 | 2 };

/**
 * Which server, credential and namespace a command uses. The context is --context, else
 * TIDE_CONTEXT, else the config's current one; its server, unless --server or TIDE_SERVER names
 * one. A server named so with no context named explicitly takes the credential and namespace of
 * the context for that server (not the current context's: its token is for its own server).
 * TIDE_TOKEN wins over any context's credential, -n over any context's namespace.
 */
export function resolveTarget(settings: TargetSettings, config: CliConfig, configFile: string): TargetResult {
  const chosen = settings.context ?? (config.currentContext === undefined ? undefined : { name: config.currentContext, from: 'current' as const });
  const chosenContext = chosen && contextOf(config, chosen.name);
  if (chosen && !chosenContext) {
    // A current context that is not there is the file's fault (exit 1); a name given now, the command line's (exit 2).
    if (chosen.from === 'current')
      return {
        ok: false,
        problem: `the current context "${chosen.name}" of ${configFile} is not in it; ${knownContexts(config)} (tide config use-context NAME)`,
        exitCode: 1,
      };
    return { ok: false, problem: `${chosen.from} "${chosen.name}": there is no such context in ${configFile}; ${knownContexts(config)}`, exitCode: 2 };
  }
  const server = settings.server ?? chosenContext?.server ?? DEFAULT_SERVER;
  const keepChosen = chosen && (chosen.from !== 'current' || chosenContext!.server === server);
  const name = keepChosen ? chosen.name : contextForServer(config, server);
  const context = name === undefined ? undefined : contextOf(config, name);
  return {
    ok: true,
    target: {
      server,
      namespace: settings.namespace ?? context?.namespace ?? 'default',
      credential: credentialOf(settings.token, name, context, server, configFile),
      ...(name === undefined ? {} : { contextName: name }),
    },
  };
}

/**
 * The context for a server named by --server or TIDE_SERVER: the one named after it
 * (`127.0.0.1:8080`), else the first by name; with `skipUp`, none a `tide up` wrote.
 */
export function contextForServer(config: CliConfig, server: string, options: { skipUp?: boolean } = {}): string | undefined {
  const names = Object.keys(config.contexts)
    .filter((name) => config.contexts[name]!.server === server && !(options.skipUp && config.contexts[name]!.by === 'up'))
    .sort();
  const named = contextNameFor(server);
  return names.includes(named) ? named : names[0];
}

/**
 * The context `tide login` writes and the server it checks the token with: the context --context
 * or TIDE_CONTEXT names (made if new); else the current one when it is for that server and not a
 * `tide up`'s (whose admin token file stays where it is); else one for that server, or a new one
 * named after it. The server is --server or TIDE_SERVER, else the named or current context's.
 */
export function loginTarget(settings: TargetSettings, config: CliConfig): { name: string; server: string } {
  const current = config.currentContext === undefined ? undefined : contextOf(config, config.currentContext);
  const named = settings.context && contextOf(config, settings.context.name);
  const server = settings.server ?? named?.server ?? current?.server ?? DEFAULT_SERVER;
  if (settings.context) return { name: settings.context.name, server };
  if (current && current.server === server && current.by !== 'up') return { name: config.currentContext!, server };
  return { name: contextForServer(config, server, { skipUp: true }) ?? uniqueContextName(contextNameFor(server), config.contexts), server };
}

function credentialOf(token: string | undefined, name: string | undefined, context: CliContext | undefined, server: string, configFile: string): CredentialRef {
  if (token) return { kind: 'token', token, source: 'TIDE_TOKEN' };
  if (!context) return { kind: 'none', source: `no context for ${server} in ${configFile}` };
  if (context.token) return { kind: 'token', token: context.token, source: `the token \`tide login\` kept in context "${name}" of ${configFile}` };
  if (context.tokenFile) return { kind: 'file', file: context.tokenFile, source: `${context.tokenFile} (named by context "${name}" of ${configFile})` };
  return { kind: 'none', source: `context "${name}" of ${configFile} holds no token` };
}
