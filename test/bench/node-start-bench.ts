import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { summarize, type LatencySummary } from './stats.js';

export const NODE_START_BENCH = { starts: 15, timeoutMs: 10_000 };

/** A bare HTTP server that says where it listens: the least a Node pod can be. */
const SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });`;

/**
 * The yardstick under a cold start without the warm pool: `node` spawned → its first response, for
 * a server of three lines, with an empty environment (as a pod's: design §5, one inherited variable
 * alone added ~60 ms to every start). Nothing Tide does is in it.
 */
export async function runNodeStartBench(): Promise<{ starts: number; firstResponseMs: LatencySummary }> {
  const samples: number[] = [];
  for (let i = 0; i < NODE_START_BENCH.starts; i++) samples.push(await startOnce());
  return { starts: samples.length, firstResponseMs: summarize(samples) };
}

async function startOnce(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', SERVER], { env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`node did not listen within ${NODE_START_BENCH.timeoutMs} ms: ${output}`)), NODE_START_BENCH.timeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /^(\d+)\n/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`node exited (${code}) before it listened: ${output}`));
      });
    });
    const res = await request(`http://127.0.0.1:${port}/`);
    await res.body.text();
    return performance.now() - started;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
}
