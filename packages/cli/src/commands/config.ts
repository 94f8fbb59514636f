import { assertNever } from '@tide/core';
import { CliError } from '../api-client.js';
import { updateConfig } from '../cli-config/config-file.js';
import type { CliConfig, CliContext } from '../cli-config/config-format.js';
import { type ContextChange, deleteContext, renameContext, setContext, useContext } from '../cli-config/context-edits.js';
import { table } from '../format.js';

/** `tide config ...`: the CLI's contexts, as kubectl config shows and changes a kubeconfig's. */

/** `tide config get-contexts`: CURRENT NAME SERVER NAMESPACE AUTH, by name; a token itself never. */
export function contextsTable(config: CliConfig, configFile: string): string {
  const names = Object.keys(config.contexts).sort();
  if (names.length === 0) return `No contexts in ${configFile}: tide login or tide up makes one.`;
  return table(
    ['CURRENT', 'NAME', 'SERVER', 'NAMESPACE', 'AUTH'],
    names.map((name) => {
      const context = config.contexts[name]!;
      return [name === config.currentContext ? '*' : '', name, context.server, context.namespace ?? '', authOf(context)];
    }),
  );
}

/** `token` (kept by tide login), `file:PATH` (named, e.g. by tide up) or `none`. */
function authOf(context: CliContext): string {
  if (context.token) return 'token';
  if (context.tokenFile) return `file:${context.tokenFile}`;
  return 'none';
}

/** `tide config current-context`: its name, or why there is none (exit 1, as kubectl's). */
export function currentContextName(config: CliConfig, configFile: string): string {
  if (config.currentContext === undefined) throw new CliError(`no current context in ${configFile}: tide config use-context NAME`);
  return config.currentContext;
}

export type ContextAction =
  | { action: 'use-context'; name: string }
  | { action: 'delete-context'; name: string }
  | { action: 'rename-context'; name: string; newName: string }
  | { action: 'set-context'; name: string; change: ContextChange };

/** Changes the file under its lock; what was done, to print. */
export function changeContexts(configFile: string, request: ContextAction): string {
  return updateConfig(configFile, (config) => {
    switch (request.action) {
      case 'use-context':
        return useContext(config, request.name);
      case 'delete-context':
        return deleteContext(config, request.name);
      case 'rename-context':
        return renameContext(config, request.name, request.newName);
      case 'set-context':
        return setContext(config, request.name, request.change);
      default:
        return assertNever(request);
    }
  }).said;
}
