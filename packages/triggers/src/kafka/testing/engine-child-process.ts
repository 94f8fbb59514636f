/** Builds engine-child.fixture.ts into one .mjs file and runs it as a real process (kill -9 and all). */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { EngineChildConfig } from './engine-child.fixture.js';

export async function buildEngineChild(outfile: string): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(new URL('./engine-child.fixture.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    outfile,
    logLevel: 'warning',
    // Bundled CommonJS dependencies (kafkajs) call require: give the ESM bundle one.
    banner: { js: "import { createRequire as __tideRequire } from 'node:module'; const require = __tideRequire(import.meta.url);" },
  });
}

export interface EngineChild {
  process: ChildProcess;
  lines: string[];
  stderr(): string;
  waitForLine(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export function spawnEngineChild(script: string, config: EngineChildConfig): EngineChild {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let partial = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = once(child, 'close');
  let exited = false;
  void closed.then(() => {
    exited = true;
    for (const l of listeners) l();
  });
  return {
    process: child,
    lines,
    stderr: () => stderr,
    waitForLine(test, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`engine child printed no matching line in ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)),
          timeoutMs,
        );
        const check = (): void => {
          const line = lines.find(test);
          if (line !== undefined) finish(undefined, line);
          else if (exited) finish(new Error(`engine child exited (${child.exitCode}); stderr: ${stderr.slice(-2000)}`));
        };
        const finish = (error?: Error, line?: string): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(line!);
        };
        listeners.add(check);
        check();
      });
    },
    async kill() {
      if (!exited) child.kill('SIGKILL');
      await closed;
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await closed;
    },
  };
}
