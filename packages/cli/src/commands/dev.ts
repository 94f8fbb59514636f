import { createHash } from 'node:crypto';
import { context, type Plugin } from 'esbuild';
import type { ApiClient } from '../api-client.js';
import { bundleError, bundleOptions, locateFunction, type FunctionSource } from '../bundle.js';
import { checkFunctionName, deploy } from './deploy.js';
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
 * it imports changes and deploys each new bundle; streams its logs meanwhile. A build that fails is
 * printed and deploys nothing, so the previous revision keeps serving. Resolves when `signal`
 * aborts; rejects if the first deploy fails for another reason than the build (a server that cannot
 * be reached, a name the API refuses): there is nothing to keep serving then.
 */
export async function devFunction(api: ApiClient, options: DevOptions): Promise<void> {
  const source = locateFunction(options.dir);
  const name = options.name ?? source.defaultName;
  checkFunctionName(name, options.name === undefined ? options.dir : undefined);
  const stamp = () => `[${(options.now ?? (() => new Date()))().toISOString().slice(11, 19)}]`;
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined); // a failure after Ctrl-C is no one's concern
  const redeployer = createRedeployer(api, { ...options, name, stamp, fail, onFirst: () => streamLogs(api, name, options, stamp) });

  options.print(`${stamp()} watching ${source.entry} and everything it imports (Ctrl-C to stop)`);
  const watcher = await context({ ...bundleOptions(source), plugins: [onEachBuild(source, redeployer, options.print, stamp)] });
  try {
    await watcher.watch();
    const stopped = new Promise<void>((resolve) =>
      options.signal.aborted ? resolve() : options.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    await Promise.race([stopped, failed]);
  } finally {
    await watcher.dispose();
  }
}

interface Redeployer {
  offer(bundle: Uint8Array): void;
  serving(): string | undefined;
}

/** Deploys bundles one at a time, only the newest of those offered meanwhile, and none that is unchanged. */
function createRedeployer(
  api: ApiClient,
  options: DevOptions & { name: string; stamp: () => string; fail: (error: unknown) => void; onFirst: () => void },
): Redeployer {
  let serving: string | undefined;
  let deployedDigest: string | undefined;
  let newest: Uint8Array | undefined;
  let deploying = false;
  const deployOne = async (bundle: Uint8Array) => {
    const digest = createHash('sha256').update(bundle).digest('hex');
    if (digest === deployedDigest) return;
    try {
      const result = await deploy(api, {
        dir: options.dir,
        name: options.name,
        namespace: options.namespace,
        env: options.env,
        waitSeconds: 60,
        bundle,
        log: () => undefined,
      });
      const first = serving === undefined;
      serving = result.fn.status.latestRevision;
      deployedDigest = digest;
      options.print(`${options.stamp()} ${first ? 'deployed' : 'redeployed'} ${options.name}: revision ${serving} (${result.ms} ms) at ${result.url}`);
      if (first) options.onFirst();
    } catch (error) {
      if (serving === undefined) options.fail(error);
      else options.print(`${options.stamp()} deploy failed, ${serving} keeps serving: ${(error as Error).message}`);
    }
  };
  const drain = async () => {
    deploying = true;
    for (let bundle = newest; bundle && !options.signal.aborted; bundle = newest) {
      newest = undefined;
      await deployOne(bundle);
    }
    deploying = false;
  };
  return {
    offer(bundle) {
      newest = bundle;
      if (!deploying) void drain();
    },
    serving: () => serving,
  };
}

/** Hands each successful build to the redeployer; prints a failed one with what keeps serving. */
function onEachBuild(source: FunctionSource, redeployer: Redeployer, print: (line: string) => void, stamp: () => string): Plugin {
  return {
    name: 'tide-dev',
    setup(build) {
      build.onEnd((result) => {
        const bundle = result.outputFiles?.[0]?.contents;
        if (result.errors.length === 0 && bundle) return redeployer.offer(bundle);
        const serving = redeployer.serving();
        print(
          `${stamp()} ${bundleError(source, result.errors).message}\n(${serving ? `${serving} keeps serving` : 'nothing deployed yet'}; save a fix to redeploy)`,
        );
      });
    },
  };
}

/** Follows the function's logs from now on (no history), until the session ends. */
function streamLogs(api: ApiClient, name: string, options: DevOptions, stamp: () => string): void {
  functionLogs(api, { namespace: options.namespace, name, follow: true, tail: 0, write: options.write, signal: options.signal }).catch((error: Error) => {
    if (!options.signal.aborted) options.print(`${stamp()} logs stopped: ${error.message}`);
  });
}
