import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from '../support/repo-root.js';

export interface RunningMinimalProxy {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const script = join(findRepoRoot(dirname(fileURLToPath(import.meta.url))), 'test/bench/minimal-proxy.mjs');

/**
 * Starts test/bench/minimal-proxy.mjs (node:http in, an undici Pool out, nothing else) in front of
 * `upstream`: the floor a Node data path can reach, the yardstick for Tide's built-in gateway.
 */
export async function startMinimalProxy(options: { port: number; upstream: string; connections: number }): Promise<RunningMinimalProxy> {
  const child = spawn(process.execPath, [script, String(options.port), options.upstream, String(options.connections)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the minimal proxy did not listen within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening \d+/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the minimal proxy exited (${signal ?? code}) before it listened:\n${output}`));
    });
  });
  await listening;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${options.port}`,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
