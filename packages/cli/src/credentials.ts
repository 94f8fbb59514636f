import { readFileSync } from 'node:fs';
import { serverUrl, type ClientCredential } from './api-client.js';
import type { CliConfig } from './cli-config.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** --server, else TIDE_SERVER, else the config's current server (`tide login`, `tide up`), else 127.0.0.1:8080. */
export function serverOf(flag: unknown, env: Readonly<Record<string, string | undefined>>, config: CliConfig): string {
  if (typeof flag === 'string') return serverUrl(flag, '--server');
  if (env.TIDE_SERVER) return serverUrl(env.TIDE_SERVER, 'TIDE_SERVER');
  return config.current ?? DEFAULT_SERVER;
}

/**
 * TIDE_TOKEN, else the config's entry for this server: a token a login stored, or the admin token
 * file a `tide up` named. A file that is gone leaves no token, and says so when the server refuses.
 */
export function credentialFor(server: string, env: Readonly<Record<string, string | undefined>>, config: CliConfig, configFile: string): ClientCredential {
  const fromEnv = env.TIDE_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: 'TIDE_TOKEN' };
  const entry = config.servers[server];
  if (!entry) return { token: undefined, source: `no token for ${server} in ${configFile}` };
  if (entry.token) return { token: entry.token, source: `the token \`tide login\` stored in ${configFile}` };
  if (!entry.tokenFile) return { token: undefined, source: `no token for ${server} in ${configFile}` };
  try {
    const token = readFileSync(entry.tokenFile, 'utf8').trim();
    return { token: token || undefined, source: `${entry.tokenFile} (named in ${configFile} by tide up)` };
  } catch (error) {
    return { token: undefined, source: `${entry.tokenFile}, named in ${configFile} by tide up, cannot be read (${(error as NodeJS.ErrnoException).code})` };
  }
}
