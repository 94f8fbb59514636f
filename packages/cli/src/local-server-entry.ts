import { updateConfig } from './cli-config/config-file.js';
import { forgetUp, rememberUp } from './cli-config/context-edits.js';

/**
 * Names the admin token file of this `tide up` in a context of its own in the CLI's config
 * (`tide-up-8080`, made current, as `kind create cluster` writes a kubeconfig context), and returns
 * what takes that context out again at stop. A config that cannot be written costs the user a
 * login, not the start.
 */
export function localServerEntry(configFile: string, url: string, tokenFile: string, report: (line: string) => void): () => void {
  try {
    const { said } = updateConfig(configFile, (config) => rememberUp(config, url, tokenFile));
    report(`tide commands on this machine use ${url} with the admin token ${tokenFile} (${said}, current, in ${configFile})`);
  } catch (error) {
    report(`warning: ${(error as Error).message}; use TIDE_TOKEN=$(cat ${tokenFile}) or tide login`);
    return () => undefined;
  }
  return () => {
    try {
      updateConfig(configFile, (config) => forgetUp(config, url, tokenFile));
    } catch (error) {
      report(`warning: ${(error as Error).message}`);
    }
  };
}
