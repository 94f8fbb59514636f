import { readFileSync } from 'node:fs';
import { type ClientCredential, serverUrl } from './api-client.js';
import type { CredentialRef, TargetSettings } from './cli-config/target.js';

/** --context / TIDE_CONTEXT, --server / TIDE_SERVER (a flag wins over its variable), -n and TIDE_TOKEN, checked. */
export function targetSettings(flags: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string | undefined>>): TargetSettings {
  const context =
    typeof flags.context === 'string'
      ? { name: flags.context, from: '--context' as const }
      : env.TIDE_CONTEXT
        ? { name: env.TIDE_CONTEXT, from: 'TIDE_CONTEXT' as const }
        : undefined;
  const server =
    typeof flags.server === 'string' ? serverUrl(flags.server, '--server') : env.TIDE_SERVER ? serverUrl(env.TIDE_SERVER, 'TIDE_SERVER') : undefined;
  const token = env.TIDE_TOKEN?.trim();
  return {
    ...(context ? { context } : {}),
    ...(server ? { server } : {}),
    ...(typeof flags.namespace === 'string' ? { namespace: flags.namespace } : {}),
    ...(token ? { token } : {}),
  };
}

/** The token itself: a token file is read now. A file that is gone leaves no token, and says so when the server refuses. */
export function readCredential(ref: CredentialRef): ClientCredential {
  if (ref.kind === 'token') return { token: ref.token, source: ref.source };
  if (ref.kind === 'none') return { token: undefined, source: ref.source };
  try {
    return { token: readFileSync(ref.file, 'utf8').trim() || undefined, source: ref.source };
  } catch (error) {
    return { token: undefined, source: `${ref.source}, which cannot be read (${(error as NodeJS.ErrnoException).code})` };
  }
}
