import { ALL_NAMESPACES, dnsLabel, parseToken, USER_ROLES, type Principal, type RoleBinding, type TokenSubject } from '@tide/core';
import { CliError, createApiClient, messageOf, refusalHint, type ApiClient } from '../api-client.js';
import { updateConfig } from '../cli-config/config-file.js';
import { forgetCredential, rememberLogin } from '../cli-config/context-edits.js';
import { age, table } from '../format.js';
import { API } from '../paths.js';

/** A token as the API lists it (never its secret nor its hash). */
interface TokenView {
  metadata: { name: string; creationTimestamp?: string };
  spec: { subject: TokenSubject; expiresAt?: string; description?: string };
}

/** `admin on *`, `developer on team-a, team-b; viewer on *`, `node node-2`, `gateway`. */
export function subjectText(subject: TokenSubject | Principal): string {
  if (subject.kind === 'user') return subject.roles.map((r) => `${r.role} on ${r.namespaces.join(', ')}`).join('; ');
  if (subject.kind === 'node') return `node ${subject.node}`;
  return subject.kind;
}

/** `tide whoami`: the token's name and what it may do, as the server sees it, and where the token came from (TIDE_TOKEN or a context). */
export async function whoami(api: ApiClient, contextName: string | undefined): Promise<string> {
  const principal = await api.ok<Principal>('GET', `${API}/whoami`);
  const from = api.credential.source === 'TIDE_TOKEN' ? ' (token from TIDE_TOKEN)' : contextName === undefined ? '' : ` (context ${contextName})`;
  return `${principal.name} (${subjectText(principal)}) at ${api.server}${from}`;
}

/**
 * `--role developer:team-a,team-b` (repeatable): a role on those namespaces; `--role viewer` alone
 * holds in the command's namespace (-n), `--role admin:*` everywhere.
 */
export function roleBindings(values: readonly string[], namespace: string): RoleBinding[] {
  return values.map((value) => {
    const [role, namespaces] = value.split(':', 2) as [string, string | undefined];
    if (!(USER_ROLES as readonly string[]).includes(role)) throw new CliError(`--role "${value}": the role must be one of ${USER_ROLES.join(', ')}`, 2);
    const names = namespaces === undefined ? [namespace] : namespaces.split(',').map((n) => n.trim());
    if (names.length === 0 || names.some((n) => n !== ALL_NAMESPACES && !dnsLabel.safeParse(n).success))
      throw new CliError(`--role "${value}": namespaces must be DNS labels or *, as in developer:team-a,team-b`, 2);
    return { role: role as RoleBinding['role'], namespaces: names };
  });
}

/** `tide token create`: the secret, shown this once (the server keeps only its hash). */
export async function createToken(
  api: ApiClient,
  options: { name: string; subject: TokenSubject; expiresAt?: string; description?: string },
): Promise<{ token: string; summary: string }> {
  const manifest = {
    apiVersion: 'tide.dev/v1',
    kind: 'Token',
    metadata: { name: options.name },
    spec: {
      subject: options.subject,
      ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
      ...(options.description ? { description: options.description } : {}),
    },
  };
  const res = await api.call<{ token: string }>('POST', `${API}/tokens`, { data: JSON.stringify(manifest), contentType: 'application/json' });
  if (res.status === 409)
    throw new CliError(`token "${options.name}" already exists: revoke it first (tide token revoke ${options.name}) or choose another name`);
  if (res.status >= 400)
    throw new CliError(`creating token "${options.name}" failed (${res.status}): ${messageOf(res.body)}${refusalHint(res.status, api.credential)}`);
  const expires = options.expiresAt ? `, until ${options.expiresAt}` : '';
  return { token: res.body.token, summary: `token "${options.name}" created (${subjectText(options.subject)}${expires}): it is shown only this once` };
}

/** `tide token list`: NAME SUBJECT EXPIRES AGE. */
export async function listTokens(api: ApiClient, now = Date.now()): Promise<string> {
  const list = await api.ok<{ items: TokenView[] }>('GET', `${API}/tokens`);
  if (list.items.length === 0) return 'No tokens.';
  return table(
    ['NAME', 'SUBJECT', 'EXPIRES', 'AGE'],
    list.items.map((t) => [t.metadata.name, subjectText(t.spec.subject), t.spec.expiresAt ?? 'never', age(t.metadata.creationTimestamp, now)]),
  );
}

/** `tide token revoke NAME`: requests with it are refused from the next one on. */
export async function revokeToken(api: ApiClient, name: string): Promise<string> {
  const res = await api.call('DELETE', `${API}/tokens/${encodeURIComponent(name)}`);
  if (res.status === 404) throw new CliError(`token "${name}" not found`);
  if (res.status >= 400)
    throw new CliError(`revoking token "${name}" failed (${res.status}): ${messageOf(res.body)}${refusalHint(res.status, api.credential)}`);
  return `token "${name}" revoked`;
}

/**
 * `tide login`: asks the server who the token is (a token it refuses is not stored), then keeps it
 * in the CLI's config (0600) as the credential of the context, which becomes the current one.
 */
export async function login(options: { server: string; contextName: string; token: string; configFile: string }): Promise<string> {
  const { server, contextName, token, configFile } = options;
  if (parseToken(token) === undefined) throw new CliError('that is not a Tide token (tide_<name>_<64 hex digits>): give the whole token', 2);
  const api = createApiClient(server, { token, source: 'the token given to tide login' });
  const res = await api.call<Principal>('GET', `${API}/whoami`);
  if (res.status === 401) throw new CliError(`${server} refused the token: ${messageOf(res.body)}`);
  if (res.status >= 400) throw new CliError(`GET ${API}/whoami failed (${res.status}): ${messageOf(res.body)}`);
  updateConfig(configFile, (config) => rememberLogin(config, contextName, server, token));
  return `logged in to ${server} as ${res.body.name} (${subjectText(res.body)}); the token is kept in context ${contextName} (now current) of ${configFile}`;
}

/** `tide logout`: the context forgets its credential and keeps its server (the token itself stays valid until revoked). */
export function logout(server: string, contextName: string | undefined, holdsToken: boolean, configFile: string): string {
  if (contextName === undefined || !holdsToken)
    return `not logged in to ${server}${contextName === undefined ? '' : ` (context ${contextName} holds no token)`}`;
  updateConfig(configFile, (config) => forgetCredential(config, contextName));
  return `logged out of ${server}: context ${contextName} keeps its server, not its token (which stays valid until revoked: tide token revoke NAME)`;
}
