import { updateConfig } from './cli-config.js';

/**
 * `tide up` names its admin token file in the CLI's config as the credential for its URL, and makes
 * that URL the current server, as `kind create cluster` writes a kubeconfig context: the `tide`
 * commands a user types next on this machine work without a login. The token stays in its 0600 file.
 */
export function rememberLocalServer(configFile: string, url: string, tokenFile: string): void {
  updateConfig(configFile, (config) => ({
    ...config,
    current: url,
    servers: { ...config.servers, [url]: { tokenFile, by: 'up' } },
  }));
}

/** On stop: its own entry goes (a login to the same URL since then stays), and it is no longer current. */
export function forgetLocalServer(configFile: string, url: string, tokenFile: string): void {
  updateConfig(configFile, (config) => {
    const entry = config.servers[url];
    const servers = { ...config.servers };
    if (entry?.by === 'up' && entry.tokenFile === tokenFile) delete servers[url];
    const { current, ...rest } = config;
    return current === url && !servers[url] ? { ...rest, servers } : { ...config, servers };
  });
}

/**
 * Names the admin token file of this `tide up` in the CLI's config and returns what takes the
 * entry out again at stop. A config that cannot be written costs the user a
 * login, not the start.
 */
export function localServerEntry(configFile: string, url: string, tokenFile: string, report: (line: string) => void): () => void {
  try {
    rememberLocalServer(configFile, url, tokenFile);
    report(`tide commands on this machine use ${url} with the admin token ${tokenFile} (named in ${configFile})`);
  } catch (error) {
    report(`warning: ${(error as Error).message}; use TIDE_TOKEN=$(cat ${tokenFile}) or tide login`);
    return () => undefined;
  }
  return () => {
    try {
      forgetLocalServer(configFile, url, tokenFile);
    } catch (error) {
      report(`warning: ${(error as Error).message}`);
    }
  };
}
