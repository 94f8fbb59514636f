import { z } from 'zod';
import { serverUrl } from '../api-client.js';
import { contextNameFor, uniqueContextName, upContextName } from './context-names.js';

/**
 * The CLI's config file, in kubeconfig's role: named contexts, each a server, the credential shown
 * to it (a token `tide login` checked and kept, or a token file named, never copied: revoking it
 * there is enough) and a default namespace; one of them current. JSON, written by the CLI.
 * Files of earlier releases (`{ current, servers }`, keyed by server URL) are read as contexts and
 * written in this form the first time the CLI changes them.
 */
export const CONFIG_API_VERSION = 'tide.dev/v1';

export const contextName = z
  .string()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(/^[^\s\p{Cc}]+$/u, 'must have no spaces or control characters')
  .refine((name) => name !== '__proto__', 'must not be __proto__');

/** An http(s) base URL, normalised as --server is (`host:port` → `http://host:port`). */
const serverSchema = z.string().transform((value, ctx) => {
  try {
    if (!value.includes(',')) return serverUrl(value, 'server');
  } catch {
    // said below
  }
  ctx.addIssue({ code: 'custom', message: `"${value}" is not an http(s) URL` });
  return z.NEVER;
});

const CliContextSchema = z
  .strictObject({
    server: serverSchema,
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    /** Checked as a namespace name where the CLI sets it (set-context); every command loads this file, @tide/core it need not. */
    namespace: z.string().min(1).optional(),
    /** Written by `tide up`, which takes it out again when it stops (a login's it leaves). */
    by: z.literal('up').optional(),
  })
  .refine((context) => !(context.token && context.tokenFile), 'has both token and tokenFile: keep one');

const ConfigFileSchema = z.strictObject({
  apiVersion: z.literal(CONFIG_API_VERSION),
  kind: z.literal('Config'),
  currentContext: contextName.optional(),
  contexts: z.record(contextName, CliContextSchema).default({}),
});

/** Earlier releases' file: one entry per server URL, and the current server. */
const LegacyFileSchema = z.strictObject({
  current: z.string().optional(),
  servers: z
    .record(z.string(), z.strictObject({ token: z.string().min(1).optional(), tokenFile: z.string().min(1).optional(), by: z.enum(['login', 'up']) }))
    .default({}),
});

export type CliContext = z.infer<typeof CliContextSchema>;
export interface CliConfig {
  currentContext?: string;
  contexts: Record<string, CliContext>;
}

export type ParsedConfig = { ok: true; config: CliConfig } | { ok: false; problem: string };

/** The context of that name, if there is one (an own property: `constructor` is not a context). */
export function contextOf(config: CliConfig, name: string): CliContext | undefined {
  return Object.hasOwn(config.contexts, name) ? config.contexts[name] : undefined;
}

/** `the contexts are prod, tide-up-8080`, or how to make one: said with every name the config does not have. */
export function knownContexts(config: CliConfig): string {
  const names = Object.keys(config.contexts).sort();
  return names.length ? `the contexts are ${names.join(', ')}` : 'there are none yet: tide login or tide up makes one';
}

/** The file's text as contexts, or what is wrong with it (`problem` completes "the file ..."). */
export function parseCliConfig(text: string): ParsedConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `is not JSON (${(error as Error).message.replace(/\s+/g, ' ')})` };
  }
  const isCurrent = typeof value === 'object' && value !== null && ('apiVersion' in value || 'contexts' in value);
  const result = (isCurrent ? ConfigFileSchema : LegacyFileSchema).safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    // A context name zod refuses comes as "Invalid key in record", with the reason one level down.
    const message = issue.code === 'invalid_key' ? `the name ${issue.issues[0]?.message ?? 'is not valid'}` : issue.message;
    return { ok: false, problem: `is not valid at ${issue.path.join('.') || '(top)'}: ${message}` };
  }
  if ('servers' in result.data) return migrate(result.data);
  const { currentContext, contexts } = result.data;
  return { ok: true, config: { ...(currentContext === undefined ? {} : { currentContext }), contexts } };
}

/** The text the CLI writes: the current form, whatever form it read. */
export function serializeCliConfig(config: CliConfig): string {
  const { currentContext, contexts } = config;
  const file = { apiVersion: CONFIG_API_VERSION, kind: 'Config', ...(currentContext === undefined ? {} : { currentContext }), contexts };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * One context per server entry, named as the CLI names new ones (a login's `127.0.0.1:8080`, a
 * `tide up`'s `tide-up-8080`); the current server's becomes the current context.
 */
function migrate(legacy: z.infer<typeof LegacyFileSchema>): ParsedConfig {
  const contexts: Record<string, CliContext> = {};
  const nameOfServer = new Map<string, string>();
  for (const [key, entry] of Object.entries(legacy.servers)) {
    const server = serverSchema.safeParse(key);
    if (!server.success) return { ok: false, problem: `is not valid at servers.${key}: ${server.error.issues[0]!.message}` };
    const name = uniqueContextName(entry.by === 'up' ? upContextName(server.data) : contextNameFor(server.data), contexts);
    contexts[name] = {
      server: server.data,
      ...(entry.token ? { token: entry.token } : {}),
      ...(entry.tokenFile ? { tokenFile: entry.tokenFile } : {}),
      ...(entry.by === 'up' ? { by: 'up' as const } : {}),
    };
    nameOfServer.set(key, name);
  }
  if (legacy.current === undefined) return { ok: true, config: { contexts } };
  let currentContext = nameOfServer.get(legacy.current);
  if (currentContext === undefined) {
    // A current server with no entry: still the server the CLI talks to, now as a context without a token.
    const server = serverSchema.safeParse(legacy.current);
    if (!server.success) return { ok: false, problem: `is not valid at current: ${server.error.issues[0]!.message}` };
    currentContext = uniqueContextName(contextNameFor(server.data), contexts);
    contexts[currentContext] = { server: server.data };
  }
  return { ok: true, config: { currentContext, contexts } };
}
