/** Builds log-child.fixture.ts into one .mjs file and runs it as a real process for tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export async function buildLogChild(outfile: string): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(new URL('./log-child.fixture.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'warning',
  });
}

export interface LogChild {
  process: ChildProcess;
  pid: number;
  /** Lines printed so far. */
  lines: string[];
  /** Resolves when a printed line satisfies `test`; rejects on exit or after `timeoutMs`. */
  waitForLine(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** SIGKILLs the process and resolves once its output is drained and it is reaped. */
  kill(): Promise<void>;
}

export function spawnLogChild(script: string, args: string[]): LogChild {
  // A minimal environment: nothing of the test runner's leaks in (NODE_OPTIONS, extra CA certs).
  const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    pid: child.pid!,
    lines,
    waitForLine(test, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`child printed no matching line in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        const check = (): void => {
          const line = lines.find(test);
          if (line !== undefined) finish(undefined, line);
          else if (exited) finish(new Error(`child exited (${child.exitCode}); stderr: ${stderr}`));
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
  };
}
