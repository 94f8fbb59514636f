import { join } from 'node:path';
import { apiToken } from '../support/api-auth.js';
import { runCli } from '../support/tide-process.js';
import type { FunctionUnderLoad } from './scenario.js';
import type { TideApi } from './tide-api.js';
import { waitForNoPods } from './tide-api.js';

export class DeployFailedError extends Error {
  constructor(
    readonly functionName: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`tide deploy ${functionName} exited ${code}: ${stderr.trim().slice(-1_000)}`);
    this.name = 'DeployFailedError';
  }
}

/** Deploys each function with the CLI (`tide deploy <dir> --name ... --min ...`), a few at a time. */
export async function deployFunctions(url: string, repoRoot: string, functions: readonly FunctionUnderLoad[], parallel = 4): Promise<void> {
  const queue = [...functions];
  const worker = async () => {
    try {
      for (let next = queue.shift(); next; next = queue.shift()) await deployOne(url, repoRoot, next);
    } catch (error) {
      queue.length = 0; // one failed deploy fails the scenario: start no more
      throw error;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, functions.length) }, worker));
}

async function deployOne(url: string, repoRoot: string, fn: FunctionUnderLoad): Promise<void> {
  const { min, max, target, scaleToZeroAfterSeconds, stableWindowSeconds } = fn.scale;
  const args = ['deploy', join(repoRoot, fn.dir), '--name', fn.name, '--min', String(min), '--max', String(max), '--target', String(target)];
  args.push('--scale-to-zero-after', String(scaleToZeroAfterSeconds), '--stable-window', String(stableWindowSeconds));
  const token = apiToken(url);
  const result = await runCli(args, { server: url, timeoutMs: 90_000, ...(token ? { token } : {}) });
  if (result.code !== 0) throw new DeployFailedError(fn.name, result.code, result.stderr);
}

/** Deletes the functions and waits (bounded) until their pods are gone, so the next scenario starts clean. */
export async function removeFunctions(api: TideApi, names: readonly string[], timeoutMs = 30_000): Promise<void> {
  await Promise.all(names.map((name) => api.deleteFunction(name)));
  await waitForNoPods(api, names, timeoutMs);
}
