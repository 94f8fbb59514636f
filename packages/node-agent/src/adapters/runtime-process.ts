import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { readFileSync } from 'node:fs';
import type { PoolConfig, RuntimeConfig } from '@tide/runtime';
import type { Clock } from '../clock.js';
import { writePidFile } from './pid-file.js';
import { captureLogs, type LogCapture } from './log-capture.js';
import type { PodContainment } from './pod-containment.js';
import { STARTUP_CPU_MILLI } from './pod-limits.js';
import { SANDBOX_STATUS_FD, SANDBOX_TMP_DIR, type PodSandbox } from './pod-sandbox.js';

/** After the process exits, the longest wait for its last output and IPC messages. */
const OUTPUT_FLUSH_MS = 500;

export interface RuntimeSpawnOptions {
  nodePath: string;
  runtimeEntry: string;
  /** --max-old-space-size: fixed for the life of the process. */
  heapMb: number;
  config: RuntimeConfig | PoolConfig;
  /** Its CPU weight while it starts (its pod's request; a pooled process's POOL_CPU_WEIGHT_MILLI); its quota is STARTUP_CPU_MILLI. */
  cpuWeightMilli: number;
  /** The token in `config` (startToken or poolToken), recorded with the pid in `<pidDir>/pid`. */
  token: string;
  pidDir: string;
  cwd: string;
  /** The whole environment: nothing is inherited from the agent. */
  env: Record<string, string>;
  clock: Clock;
  /** Encloses the process at spawn and kills whatever it started once it has exited. */
  containment?: PodContainment;
  /** Runs the process in its own namespaces as its own uid; absent = a bare process. */
  sandbox?: PodSandbox;
}

/** How a runtime process ended. */
export interface RuntimeEnd {
  code: number | null;
  signal: string | null;
  /** The process could not be spawned at all. */
  spawnError?: string;
  /** The kernel's OOM killer ended it: its memory cgroup (sandboxed pods) counted an OOM kill. */
  oomKilled?: boolean;
}

export interface RuntimeProcess {
  readonly child: ChildProcess;
  readonly pid: number | undefined;
  readonly logs: LogCapture;
  /** True from the moment the process exited (or failed to spawn). */
  readonly exited: boolean;
  /**
   * Resolves on exit, once every process it started is gone too and its last output and IPC messages
   * are in (at most 500 ms later).
   */
  readonly ended: Promise<RuntimeEnd>;
  /** SIGTERM, SIGKILL after graceMs; resolves once ended. */
  terminate(graceMs: number): Promise<void>;
}

/**
 * Spawns `node --max-old-space-size=M <runtimeEntry> '<config>'` with an IPC channel and records its
 * pid file at once (the window between spawn and a recorded pid must be as short as possible).
 * The caller points its output somewhere with `logs.writeTo` in the same tick.
 */
export function spawnRuntime(options: RuntimeSpawnOptions): RuntimeProcess {
  const { clock } = options;
  const { sandbox } = options;
  const argv = [`--max-old-space-size=${options.heapMb}`, options.runtimeEntry, JSON.stringify(options.config)];
  const command = sandbox
    ? sandbox.command(options.token, options.nodePath, argv, { memoryMb: options.heapMb, cpuMilli: STARTUP_CPU_MILLI, cpuWeightMilli: options.cpuWeightMilli })
    : { file: options.nodePath, args: argv, extraFds: [], spawned: () => {} };
  let child: ChildProcess;
  try {
    child = spawn(command.file, command.args, {
      cwd: options.cwd,
      env: sandbox ? { ...options.env, HOME: SANDBOX_TMP_DIR } : options.env,
      // A sandbox's status fd (SANDBOX_STATUS_FD = 4) tells the pid of the runtime inside it; fd 5 holds its seccomp filter.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc', ...command.extraFds],
    });
  } finally {
    command.spawned();
  }
  /** The runtime's own pid when sandboxed: bwrap ends on SIGTERM without passing it on. */
  let innerPid: number | undefined;
  if (sandbox) readInnerPid(child, (pid) => (innerPid = pid));
  if (child.pid !== undefined) {
    options.containment?.enclose(options.token, child.pid);
    writePidFile(options.pidDir, { pid: child.pid, startToken: options.token });
  }
  const logs = captureLogs({ stdout: child.stdout!, stderr: child.stderr! }, clock.now);
  const ipcClosed = new Promise<void>((resolve) => (child.connected ? child.once('disconnect', resolve) : resolve()));
  const end: RuntimeEnd = { code: null, signal: null };
  let exited = false;
  let resolveEnded!: (end: RuntimeEnd) => void;
  const ended = new Promise<RuntimeEnd>((resolve) => (resolveEnded = resolve));

  const finish = async () => {
    if (exited) return;
    exited = true;
    // Its children (a detached `sleep 300` too) die with it: nobody would ever stop them otherwise.
    await options.containment?.killAll(options.token);
    if (sandbox?.release(options.token).oomKilled) end.oomKilled = true;
    // The last output lines (V8's OOM report) and IPC messages ('failed') may still be in flight.
    let flushTimer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([logs.closed, ipcClosed]), new Promise((resolve) => (flushTimer = setTimeout(resolve, OUTPUT_FLUSH_MS)))]);
    clearTimeout(flushTimer);
    resolveEnded(end);
  };
  child.once('exit', (code, signal) => {
    // bwrap exits 128 + N when the runtime inside died by signal N: the pod's end is that signal
    // (a pod that recycles itself announces the SIGKILL it then dies by).
    const innerSignal = sandbox && signal === null && code !== null ? signalOfExitCode(code) : undefined;
    end.code = innerSignal ? null : code;
    end.signal = innerSignal ?? signal;
    void finish();
  });
  child.on('error', (error) => {
    // 'error' without a pid = it never ran; 'exit' may not follow, so this is its end.
    if (child.pid !== undefined) return;
    end.spawnError = error.message;
    child.stdout?.destroy();
    child.stderr?.destroy();
    void finish();
  });

  return {
    child,
    pid: child.pid,
    logs,
    get exited() {
      return exited;
    },
    ended,
    terminate(graceMs) {
      if (!exited) {
        if (innerPid === undefined || !signalRuntimeIn(innerPid, 'SIGTERM')) child.kill('SIGTERM');
        const escalation = clock.setTimeout(() => child.kill('SIGKILL'), graceMs);
        void ended.finally(() => clock.clearTimeout(escalation));
      }
      return ended.then(() => {});
    },
  };
}

/** bwrap's first status line on its status fd carries `"child-pid": N` (the pid in the node's namespace). */
function readInnerPid(child: ChildProcess, onPid: (pid: number) => void): void {
  const status = child.stdio[SANDBOX_STATUS_FD] as NodeJS.ReadableStream | null | undefined;
  if (!status) return;
  let text = '';
  status.setEncoding('utf8');
  status.on('data', (chunk: string) => {
    if (text.length > 4096) return;
    text += chunk;
    const match = /"child-pid":\s*(\d+)/.exec(text);
    if (match) onPid(Number(match[1]));
  });
  status.on('error', () => {});
}

/**
 * `child-pid` is the sandbox's init (PID 1 inside, which ignores SIGTERM); the runtime is its child.
 * Signals the init's children; false when there are none (then bwrap itself is signalled).
 */
function signalRuntimeIn(initPid: number, name: NodeJS.Signals): boolean {
  let children: number[];
  try {
    children = readFileSync(`/proc/${initPid}/task/${initPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return false;
  }
  let signalled = false;
  for (const pid of children) {
    try {
      process.kill(pid, name);
      signalled = true;
    } catch {
      // gone meanwhile
    }
  }
  return signalled;
}

/** The signal's name for a shell-style exit code 128 + N, or undefined for an ordinary exit code. */
export function signalOfExitCode(code: number): NodeJS.Signals | undefined {
  if (code <= 128) return undefined;
  return (Object.entries(constants.signals) as [NodeJS.Signals, number][]).find(([, n]) => n === code - 128)?.[0];
}
