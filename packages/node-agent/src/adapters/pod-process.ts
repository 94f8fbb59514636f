import { spawn } from 'node:child_process';
import type { RuntimeConfig, RuntimeMessage } from '@tide/runtime';
import type { Clock } from '../clock.js';
import type { PodExit } from '../core/exit-reason.js';
import type { PodRunSpec } from '../pod-types.js';
import { captureLogs, type LogStream } from './log-capture.js';
import { probeUntilReady } from './readiness-probe.js';

const HOST = '127.0.0.1';
/** After the process exits, the longest wait for its last output and IPC messages. */
const OUTPUT_FLUSH_MS = 500;

export interface PodProcessOptions {
  spec: PodRunSpec;
  podDir: string;
  runtimeEntry: string;
  nodePath: string;
  env: Record<string, string>;
  startToken: string;
  startTimeoutMs: number;
  clock: Clock;
  onLog(stream: LogStream, line: string): void;
  onReady(endpoint: string): void;
  /** Called exactly once, after the output is flushed. */
  onExit(exit: PodExit): void;
}

export interface PodProcess {
  readonly pid: number | undefined;
  /** SIGTERM, SIGKILL after graceMs; resolves once the process has exited. */
  terminate(graceMs: number): Promise<void>;
}

/** Spawns one runtime process and follows it: IPC messages, readiness probe, start deadline, output, exit. */
export function startPodProcess(options: PodProcessOptions): PodProcess {
  const { spec, clock } = options;
  const config: RuntimeConfig = {
    artifactPath: spec.artifactPath,
    timeoutMs: spec.timeoutSeconds * 1000,
    host: HOST,
    pod: spec.name,
    startToken: options.startToken,
  };
  const child = spawn(options.nodePath, [`--max-old-space-size=${spec.memoryMb}`, options.runtimeEntry, JSON.stringify(config)], {
    cwd: options.podDir,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exit: PodExit = { code: null, signal: null };
  const starting = new AbortController(); // aborted when the pod is ready, exits, or runs out of start time
  let exited = false;
  let resolveExited!: () => void;
  const exitedPromise = new Promise<void>((resolve) => (resolveExited = resolve));

  const logs = captureLogs(options.podDir, { stdout: child.stdout!, stderr: child.stderr! }, clock.now, (stream, line) => {
    if (stream === 'stderr' && line.includes('JavaScript heap out of memory')) exit.outOfMemory = true;
    options.onLog(stream, line);
  });

  const ipcClosed = new Promise<void>((resolve) => (child.connected ? child.once('disconnect', resolve) : resolve()));

  const startDeadline = clock.setTimeout(() => {
    if (exited || starting.signal.aborted) return;
    exit.startTimeoutMs = options.startTimeoutMs;
    starting.abort();
    child.kill('SIGKILL');
  }, options.startTimeoutMs);

  child.on('message', (message: RuntimeMessage) => {
    if (message.type === 'failed') exit.failedReason = message.reason;
    if (message.type !== 'ready') return;
    void probeUntilReady(HOST, message.port, starting.signal).then((ready) => {
      if (!ready || exited) return;
      starting.abort();
      clock.clearTimeout(startDeadline);
      options.onReady(`http://${HOST}:${message.port}`);
    });
  });

  const finish = async () => {
    if (exited) return;
    exited = true;
    starting.abort();
    clock.clearTimeout(startDeadline);
    // The last output lines (V8's OOM report) and IPC messages ('failed') may still be in flight.
    let flushTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([logs.closed, ipcClosed]),
      new Promise((resolve) => (flushTimer = setTimeout(resolve, OUTPUT_FLUSH_MS))),
    ]);
    clearTimeout(flushTimer);
    options.onExit(exit);
    resolveExited();
  };
  child.once('exit', (code, signal) => {
    exit.code = code;
    exit.signal = signal;
    void finish();
  });
  child.on('error', (error) => {
    // 'error' without a pid = it never ran; 'exit' may not follow, so this is its end.
    if (child.pid !== undefined) return;
    exit.spawnError = error.message;
    child.stdout?.destroy();
    child.stderr?.destroy();
    void finish();
  });

  return {
    pid: child.pid,
    terminate(graceMs) {
      if (exited) return exitedPromise;
      child.kill('SIGTERM');
      const escalation = clock.setTimeout(() => child.kill('SIGKILL'), graceMs);
      return exitedPromise.finally(() => clock.clearTimeout(escalation));
    },
  };
}
