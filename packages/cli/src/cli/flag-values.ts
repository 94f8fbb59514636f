import { dnsLabel, envVarName, secretKey, traceIdProblem, type EnvVarSource } from '@tide/core';
import { CliError } from '../api-client.js';

/** A whole number from a flag or its variable, or the fallback when neither is set. */
export function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new CliError(`--${name} must be a whole number, got "${value}"`, 2);
  return Number(value);
}

export function optionalInt(name: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : int(name, value, 0);
}

export function positiveInt(name: string, value: string | undefined): number {
  const n = int(name, value, 0);
  if (n < 1) throw new CliError(`--${name} must be at least 1, got "${value}"`, 2);
  return n;
}

/** A comma-separated variable as the values of a repeatable flag (undefined when unset or empty). */
export function listFromEnv(env: Readonly<Record<string, string | undefined>>, name: string): string[] | undefined {
  const items = (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

/** `KEY=VALUE` (or `Name: value`) pairs of a repeatable flag. */
export function keyValues(pairs: readonly string[] | undefined, flag: string, separator: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf(separator);
    if (at <= 0) throw new CliError(`--${flag} "${pair}" must look like KEY${separator}VALUE`, 2);
    out[pair.slice(0, at).trim()] = pair.slice(at + separator.length).trim();
  }
  return out;
}

/**
 * `--env-secret NAME=SECRET:KEY` (repeatable): the variable NAME holds the key KEY of the secret
 * SECRET of the function's namespace, as spec.env's `{valueFrom: {secretKeyRef}}`. Each part is
 * checked by the API's own schema, so a bad one is refused here, named, before anything is uploaded.
 */
export function envSecretRefs(pairs: readonly string[] | undefined): Record<string, EnvVarSource> {
  const out: Record<string, EnvVarSource> = {};
  for (const pair of pairs ?? []) {
    const match = /^([^=]+)=([^:]+):(.+)$/.exec(pair.trim());
    if (!match) throw new CliError(`--env-secret "${pair}" must look like NAME=SECRET:KEY (the variable NAME gets the key KEY of the secret SECRET)`, 2);
    const [, name, secret, key] = match as unknown as [string, string, string, string];
    if (secret.includes('/'))
      throw new CliError(`--env-secret "${pair}": SECRET is a name, without a namespace: a function reads the secrets of its own namespace`, 2);
    for (const [what, value, schema] of [
      ['NAME', name, envVarName],
      ['SECRET', secret, dnsLabel],
      ['KEY', key, secretKey],
    ] as const) {
      const checked = schema.safeParse(value);
      if (!checked.success) throw new CliError(`--env-secret "${pair}": ${what} "${value}" ${checked.error.issues[0]!.message}`, 2);
    }
    if (name in out) throw new CliError(`--env-secret names ${name} twice`, 2);
    out[name] = { valueFrom: { secretKeyRef: { name: secret, key } } };
  }
  return out;
}

/** --address / TIDE_NODE_ADDRESS: an IP or host name pods can listen on, with no scheme or port. */
export function nodeAddress(value: string): string {
  if (!/^(?:[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:]{2,39})$/.test(value)) {
    throw new CliError(`--address "${value}" must be an IP address or host name of this machine (no scheme, no port)`, 2);
  }
  return value;
}

/** `function/hello`, `fn/hello` or `hello` → hello: kubectl's TYPE/NAME, for commands that act on functions. */
export function functionName(ref: string | undefined, usage: string): string {
  const match = /^(?:(function|functions|fn)\/)?([^/]+)$/.exec(ref ?? '');
  if (!match)
    throw new CliError(
      ref?.includes('/') ? `"${ref}" is not a function: use function/<NAME> or <NAME>\nUsage: ${usage}` : `name the function\nUsage: ${usage}`,
      2,
    );
  return match[2]!;
}

const SECONDS_PER: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration as kubectl's --since takes it: `30s`, `5m`, `2h`, `1h30m` → seconds. */
export function durationSeconds(name: string, value: string): number {
  const parts = [...value.matchAll(/(\d+)([smhd])/g)];
  if (!value || parts.map((p) => p[0]).join('') !== value) throw new CliError(`--${name} must be a duration such as 30s, 5m, 2h or 1h30m, got "${value}"`, 2);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * SECONDS_PER[unit!]!, 0);
}

/** `--trace-id`: a W3C trace id, lowercased as traceparent carries it. */
export function traceIdFlag(value: string): string {
  const problem = traceIdProblem(value);
  if (problem) throw new CliError(`--trace-id "${value.slice(0, 64)}" ${problem}`, 2);
  return value.toLowerCase();
}

/** `-o` of `tide logs`: text for people (default), json for programs. */
export function logOutput(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new CliError(`-o ${JSON.stringify(value)}: tide logs prints text or json`, 2);
}
