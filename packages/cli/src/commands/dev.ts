import { createHash } from 'node:crypto';
import { context, type BuildResult, type Plugin } from 'esbuild';
import { CliError, createApiClient } from '../api-client.js';
import { bundleError, bundleOptions, locateFunction } from '../bundle.js';
import { deploy, functionNameProblem } from './deploy.js';
import { functionLogs } from './logs.js';

export interface DevOptions {
  dir: string;
  name?: string;
  namespace: string;
  env: Record<string, string>;
  print: (line: string) => void;
  /** Where the function's logs go, as they come. */
  write: (text: string) => void;
  /** Ends the session (Ctrl-C). */
  signal: AbortSignal;
  now?: () => Date;
}

/**
 * `tide dev <dir>`: deploys the function, then rebuilds it with esbuild's watch mode whenever a file
 * it imports changes and deploys each new bundle, one at a time and only the newest; streams its logs
 * meanwhile. A build that fails is printed and deploys nothing, so the previous revision keeps
 * serving. Resolves when `signal` aborts; rejects if the first deploy fails for any other reason
 * than the build (a server that cannot be reached, a name the API refuses).
 */
export async function devFunction(server: string, options: DevOptions): Promise<void> {
  const api = createApiClient(server);
  const source = locateFunction(options.dir);
  const name = options.name ?? source.defaultName;
  const problem = functionNameProblem(name);
  if (problem) throw new CliError(`function name "${name}" is not a DNS-1123 label: ${problem}`, 2);
  const clock = () => (options.now ?? (() => new Date()))().toISOString().slice(11, 19);
  let serving: string | undefined;
  let deployedDigest: string | undefined;
  let newest: Uint8Array | undefined;
  let deploying = false;
  let fatal: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fatal = reject));
  failed.catch(() => undefined);
  const streamLogs = () => {
    functionLogs(server, { namespace: options.namespace, name, follow: true, tail: 0, write: options.write, signal: options.signal }).catch((error: Error) => {
      if (!options.signal.aborted) options.print(`[${clock()}] logs stopped: ${error.message}`);
    });
  };

  const deployNewest = async (): Promise<void> => {
    if (deploying) return;
    deploying = true;
    while (newest && !options.signal.aborted) {
      const bundle = newest;
      newest = undefined;
      const digest = createHash('sha256').update(bundle).digest('hex');
      if (digest === deployedDigest) continue;
      try {
        const result = await deploy(api, { dir: options.dir, name, namespace: options.namespace, env: options.env, waitSeconds: 60, bundle, log: () => undefined });
        const first = serving === undefined;
        serving = result.fn.status.latestRevision;
        deployedDigest = digest;
        options.print(`[${clock()}] ${first ? 'deployed' : 'redeployed'} ${name}: revision ${serving} (${result.ms} ms) at ${result.url}`);
        if (first) streamLogs();
      } catch (error) {
        if (serving === undefined) fatal(error);
        else options.print(`[${clock()}] deploy failed, ${serving} keeps serving: ${(error as Error).message}`);
      }
    }
    deploying = false;
  };

  const onEachBuild: Plugin = {
    name: 'tide-dev',
    setup(build) {
      build.onEnd((result: BuildResult) => {
        if (result.errors.length) {
          const keeps = serving ? `${serving} keeps serving` : 'nothing deployed yet';
          options.print(`[${clock()}] ${bundleError(source, result.errors).message}\n(${keeps}; save a fix to redeploy)`);
          return;
        }
        newest = result.outputFiles?.[0]?.contents;
        void deployNewest();
      });
    },
  };

  options.print(`[${clock()}] watching ${source.entry} and everything it imports (Ctrl-C to stop)`);
  const watcher = await context({ ...bundleOptions(source), plugins: [onEachBuild] });
  try {
    await watcher.watch();
    const stopped = new Promise<void>((resolve) => (options.signal.aborted ? resolve() : options.signal.addEventListener('abort', () => resolve(), { once: true })));
    await Promise.race([stopped, failed]);
  } finally {
    await watcher.dispose();
  }
}
