import { dnsLabel } from '@tide/core';
import { type CliConfig, type CliContext, contextName, contextOf, knownContexts } from './config-format.js';
import { uniqueContextName, upContextName } from './context-names.js';

/**
 * Changes to the CLI's contexts, as values: the new config and what to tell the user, or why not
 * (exit 2 when the command line asked for something that cannot be: a name, a flag).
 */
export type ConfigEdit = { ok: true; config: CliConfig; said: string } | { ok: false; problem: string; exitCode: 1 | 2 };

const refused = (problem: string, exitCode: 1 | 2 = 2): ConfigEdit => ({ ok: false, problem, exitCode });

function unknown(config: CliConfig, name: string): ConfigEdit {
  return refused(`there is no context "${name}"; ${knownContexts(config)}`);
}

function withContext(config: CliConfig, name: string, context: CliContext): CliConfig {
  return { ...config, contexts: { ...config.contexts, [name]: context } };
}

function without(config: CliConfig, name: string): CliConfig {
  const contexts = { ...config.contexts };
  delete contexts[name];
  const { currentContext, ...rest } = config;
  return currentContext === name ? { ...rest, contexts } : { ...config, contexts };
}

/** `tide config use-context NAME`. */
export function useContext(config: CliConfig, name: string): ConfigEdit {
  if (!contextOf(config, name)) return unknown(config, name);
  return { ok: true, config: { ...config, currentContext: name }, said: `switched to context "${name}"` };
}

/** `tide config delete-context NAME`: the current one too, leaving none current. */
export function deleteContext(config: CliConfig, name: string): ConfigEdit {
  if (!contextOf(config, name)) return unknown(config, name);
  const wasCurrent = config.currentContext === name;
  const said = `deleted context "${name}"${wasCurrent ? ': it was the current context, now there is none (tide config use-context NAME)' : ''}`;
  return { ok: true, config: without(config, name), said };
}

/** `tide config rename-context OLD NEW`: the current context stays current under its new name. */
export function renameContext(config: CliConfig, from: string, to: string): ConfigEdit {
  const context = contextOf(config, from);
  if (!context) return unknown(config, from);
  const name = contextName.safeParse(to);
  if (!name.success) return refused(`"${to}" cannot name a context: it ${name.error.issues[0]!.message}`);
  if (to === from) return { ok: true, config, said: `context "${from}" keeps its name` };
  if (contextOf(config, to)) return refused(`there is already a context "${to}": delete it first (tide config delete-context ${to}) or choose another name`);
  const renamed = withContext(without(config, from), to, context);
  return { ok: true, config: config.currentContext === from ? { ...renamed, currentContext: to } : renamed, said: `context "${from}" renamed to "${to}"` };
}

export interface ContextChange {
  /** Normalised already (--server). */
  server?: string;
  /** A namespace; '' takes the context's away. */
  namespace?: string;
  /** An absolute path: the credential becomes the token in that file. */
  tokenFile?: string;
}

/** `tide config set-context NAME [--server URL] [--namespace NS] [--token-file FILE]`: makes it, or changes what is given. */
export function setContext(config: CliConfig, name: string, change: ContextChange): ConfigEdit {
  const valid = contextName.safeParse(name);
  if (!valid.success) return refused(`"${name}" cannot name a context: it ${valid.error.issues[0]!.message}`);
  const namespaceName = change.namespace ? dnsLabel.safeParse(change.namespace) : undefined;
  if (namespaceName && !namespaceName.success)
    return refused(`--namespace "${change.namespace}" is not a namespace name: it ${namespaceName.error.issues[0]!.message}`);
  const existing = contextOf(config, name);
  const server = change.server ?? existing?.server;
  if (!server) return refused(`there is no context "${name}" yet: give its --server URL to make it`);
  const { namespace, token, tokenFile, ...rest } = existing ?? { server };
  const credential = change.tokenFile ? { tokenFile: change.tokenFile } : { ...(token ? { token } : {}), ...(tokenFile ? { tokenFile } : {}) };
  const keptNamespace = change.namespace === undefined ? namespace : change.namespace || undefined;
  const context: CliContext = { ...rest, server, ...credential, ...(keptNamespace ? { namespace: keptNamespace } : {}) };
  return { ok: true, config: withContext(config, name, context), said: `context "${name}" ${existing ? 'modified' : 'created'}` };
}

/** `tide login`: the checked token becomes the context's credential (its namespace stays), and the context current. */
export function rememberLogin(config: CliConfig, name: string, server: string, token: string): ConfigEdit {
  const valid = contextName.safeParse(name);
  if (!valid.success) return refused(`--context "${name}" cannot name a context: it ${valid.error.issues[0]!.message}`);
  const namespace = contextOf(config, name)?.namespace;
  const context: CliContext = { server, token, ...(namespace ? { namespace } : {}) };
  return { ok: true, config: { ...withContext(config, name, context), currentContext: name }, said: `context "${name}"` };
}

/** `tide logout`: the context keeps its server and namespace, without a credential. */
export function forgetCredential(config: CliConfig, name: string): ConfigEdit {
  const context = contextOf(config, name);
  if (!context?.token && !context?.tokenFile) return refused(`context "${name}" holds no token`, 1);
  const { token, tokenFile, by, ...rest } = context;
  return { ok: true, config: withContext(config, name, rest), said: `context "${name}"` };
}

/**
 * `tide up` names its admin token file in a context of its own (`tide-up-8080`, replacing an
 * earlier `tide up`'s of that name, never a context someone else made) and makes it current, as
 * `kind create cluster` does: the commands typed next on this machine need no login.
 */
export function rememberUp(config: CliConfig, url: string, tokenFile: string): ConfigEdit {
  const base = upContextName(url);
  const name = contextOf(config, base)?.by === 'up' ? base : uniqueContextName(base, config.contexts);
  const context: CliContext = { server: url, tokenFile, by: 'up' };
  return { ok: true, config: { ...withContext(config, name, context), currentContext: name }, said: `context "${name}"` };
}

/**
 * At stop, the contexts this `tide up` wrote go (whatever they are called now), and none is current
 * if one of them was. One that a login or set-context has since given another credential or server stays.
 */
export function forgetUp(config: CliConfig, url: string, tokenFile: string): ConfigEdit {
  const mine = Object.entries(config.contexts)
    .filter(([, c]) => c.by === 'up' && c.server === url && c.tokenFile === tokenFile)
    .map(([name]) => name);
  return { ok: true, config: mine.reduce(without, config), said: mine.map((name) => `context "${name}"`).join(', ') };
}
