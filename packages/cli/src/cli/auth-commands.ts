import { readFile } from 'node:fs/promises';
import type { RoleBinding, TokenSubject } from '@tide/core';
import { CliError, createApiClient } from '../api-client.js';
import { contextName, contextOf } from '../cli-config/config-format.js';
import { loginTarget } from '../cli-config/target.js';
import { targetSettings } from '../credentials.js';
import { readStdin } from '../stdin.js';
import type { CommandSpec } from './command-spec.js';
import { durationSeconds } from './flag-values.js';
import { list, str } from './process-commands.js';

/** Commands about who the CLI is: login, logout, whoami, and the tokens an admin hands out. */

export const loginCommand: CommandSpec = {
  name: 'login',
  summary: "keep a token (from stdin or --token-file) in a context after checking it with the context's server; that context becomes current",
  args: [],
  flags: {
    'token-file': { type: 'string', value: 'FILE', help: 'read the token from this file (else stdin)' },
  },
  examples: [
    ['tide login --server https://tide.example.com < my.token', 'check the token with the server, then keep it (0600) in context tide.example.com'],
    ['tide login --context prod --server https://tide.example.com < my.token', 'the same, in a context named prod'],
    ['tide token create ci --role developer:team-a | tide login --context ci', "as that new token, in context ci (tide up's context keeps the admin's)"],
  ],
  details:
    'The token is kept in a context of the CLI config ($TIDE_CONFIG, else ~/.config/tide/config, mode 0600): the one --context ' +
    "(or TIDE_CONTEXT) names, made if new; else the current context when it is for that server and not a `tide up`'s; else the " +
    'context for that server, or a new one named after it (127.0.0.1:8080). The server is --server, else TIDE_SERVER, else that ' +
    "context's, else the current one's. TIDE_TOKEN, when set, wins over any context's token. `tide up` names its own admin " +
    'token file in a context of its own (tide-up-PORT), so commands on the same machine need no login. See `tide config --help`.',
  async run({ flags, env, config, configFile, print }) {
    const { login } = await import('../commands/tokens.js');
    const target = loginTarget(targetSettings(flags, env), config);
    const name = contextName.safeParse(target.name);
    if (!name.success) throw new CliError(`--context "${target.name}" cannot name a context: it ${name.error.issues[0]!.message}`, 2);
    const token = await tokenInput(str(flags['token-file']));
    print(await login({ server: target.server, contextName: target.name, token, configFile }));
  },
};

export const logoutCommand: CommandSpec = {
  name: 'logout',
  summary: "forget the context's token (it stays valid until revoked); the context keeps its server and namespace",
  args: [],
  flags: {},
  examples: [
    ['tide logout', 'the current context no longer sends a token'],
    ['tide logout --context prod', "context prod's token is forgotten"],
  ],
  async run({ server, contextName, config, configFile, print }) {
    const { logout } = await import('../commands/tokens.js');
    const context = contextName === undefined ? undefined : contextOf(config, contextName);
    print(logout(server, contextName, Boolean(context?.token || context?.tokenFile), configFile));
  },
};

export const whoamiCommand: CommandSpec = {
  name: 'whoami',
  summary: 'who the server takes you for: the token and its roles',
  args: [],
  flags: {},
  examples: [['tide whoami', 'admin (admin on *) at http://127.0.0.1:8080 (context tide-up-8080)']],
  async run({ server, credential, contextName, print }) {
    const { whoami } = await import('../commands/tokens.js');
    print(await whoami(createApiClient(server, credential), contextName));
  },
};

export const tokenCommand: CommandSpec = {
  name: 'token',
  summary: "make, list and revoke tokens (a cluster admin's); print the one this CLI sends",
  args: [
    { name: 'action', required: true, choices: ['create', 'list', 'revoke', 'print'] },
    { name: 'name', required: false },
  ],
  flags: {
    role: {
      type: 'string',
      multiple: true,
      value: 'ROLE[:NS,...]',
      help: "a person's role (admin, developer, viewer, invoker) on those namespaces (* = all; default: -n's); repeatable",
    },
    gateway: { type: 'boolean', help: 'a token for a separate `tide gateway` (TIDE_TOKEN)' },
    triggers: { type: 'boolean', help: 'a token for a separate `tide triggers` (TIDE_TOKEN)' },
    expires: { type: 'string', value: 'DURATION', help: 'refused after this long: 12h, 30d, ... (default: until revoked)' },
    description: { type: 'string', value: 'TEXT', help: 'what or whom the token is for' },
  },
  examples: [
    ['tide token create alice --role developer:team-a', 'prints the token once: alice deploys in team-a and reads it'],
    ['tide token create dash --role viewer:* --expires 30d', 'reads everything (secret values not), for 30 days'],
    ['tide token create edge-1 --gateway', 'for TIDE_TOKEN of a separate tide gateway'],
    ['tide token list', 'NAME SUBJECT EXPIRES AGE'],
    ['tide token revoke alice', 'refused from the next request on'],
    ['curl -H "Authorization: Bearer $(tide token print)" http://127.0.0.1:8080/apis/tide.dev/v1/whoami', 'the token this CLI sends the server, for curl'],
  ],
  details: 'Nodes do not need a token made for them: they join with the bootstrap token (`tide node --help`).',
  async run({ flags, args, server, credential, namespace, print }) {
    const { createToken, listTokens, revokeToken, roleBindings } = await import('../commands/tokens.js');
    const [action, name] = args as ['create' | 'list' | 'revoke' | 'print', string | undefined];
    if (action === 'print') {
      if (name) throw new CliError(`tide token print takes no name: it prints the token this CLI sends ${server}`, 2);
      if (!credential.token) throw new CliError(`no token for ${server}: ${credential.source} (tide login, or TIDE_TOKEN)`);
      return print(credential.token);
    }
    const api = createApiClient(server, credential);
    if (action === 'list') return print(await listTokens(api));
    if (!name) throw new CliError(`name the token\nUsage: tide token ${action} <NAME>`, 2);
    if (action === 'revoke') return print(await revokeToken(api, name));
    const subject = subjectOf(list(flags.role), flags.gateway === true, flags.triggers === true, (roles) => roleBindings(roles, namespace));
    const expires = str(flags.expires);
    const description = str(flags.description);
    const made = await createToken(api, {
      name,
      subject,
      ...(expires ? { expiresAt: new Date(Date.now() + durationSeconds('expires', expires) * 1000).toISOString() } : {}),
      ...(description ? { description } : {}),
    });
    // The token alone on stdout, so that `$(tide token create ...)` or a pipe gets it; the words for
    // a person at a terminal only, so that a script's combined output is the token and nothing else.
    if (process.stderr.isTTY) process.stderr.write(`${made.summary}\n`);
    print(made.token);
  },
};

/** Exactly one of --role (a person), --gateway or --triggers. */
function subjectOf(
  roles: readonly string[] | undefined,
  gateway: boolean,
  triggers: boolean,
  bindings: (roles: readonly string[]) => RoleBinding[],
): TokenSubject {
  const chosen = [roles?.length ? '--role' : undefined, gateway ? '--gateway' : undefined, triggers ? '--triggers' : undefined].filter(Boolean);
  if (chosen.length !== 1)
    throw new CliError(
      `say what the token is for with one of --role ROLE[:NS,...], --gateway or --triggers${chosen.length ? ` (not ${chosen.join(' and ')})` : ''}`,
      2,
    );
  if (gateway) return { kind: 'gateway' };
  if (triggers) return { kind: 'triggers' };
  return { kind: 'user', roles: bindings(roles!) };
}

/** The token from --token-file, else piped on stdin; the whole input trimmed. */
async function tokenInput(file: string | undefined): Promise<string> {
  if (file !== undefined) {
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch (error) {
      throw new CliError(`--token-file ${file}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 2);
    }
  }
  if (process.stdin.isTTY) throw new CliError('give the token on stdin (tide login < FILE) or with --token-file FILE, never as an argument', 2);
  return (await readStdin()).toString('utf8').trim();
}
