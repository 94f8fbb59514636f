import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssignMessage, RuntimeMessage } from '@tide/runtime';
import type { Clock } from '../clock.js';
import { chooseColdStart, type SpawnReason } from '../core/cold-start.js';
import { planPoolRefill, planPoolRespawn } from '../core/pool-refill.js';
import type { BackoffPolicy } from '../core/restart-backoff.js';
import type { PodRunSpec } from '../pod-types.js';
import type { LogStream } from './log-capture.js';
import { writePidFile } from './pid-file.js';
import type { PodContainment } from './pod-containment.js';
import type { PodSandbox } from './pod-sandbox.js';
import { POOL_CPU_WEIGHT_MILLI } from './pod-limits.js';
import { spawnRuntime, type RuntimeProcess } from './runtime-process.js';

export interface WarmPoolOptions {
  /** Idle processes to keep; 0 disables the pool. */
  size: number;
  /** Heap limit of every pool process; only pods with this memoryMb are served from the pool. */
  memoryMb: number;
  /** `<dataDir>/pool`: one directory per process (`pid`, `log`) until it becomes a pod. */
  poolDir: string;
  nodePath: string;
  runtimeEntry: string;
  /** PATH of a pool process; with HOME = poolDir its whole environment until assigned. */
  path: string;
  /** The address pool processes listen on once assigned (the node's pod address). */
  host: string;
  /** A process not pooled this long after its spawn is killed (and counts as a death). */
  warmUpTimeoutMs: number;
  /** Back-off when pool processes keep dying (the first death is replaced at once). */
  backoff: BackoffPolicy;
  clock: Clock;
  /** Each process is enclosed from its spawn on, as the pod it may become. */
  containment: PodContainment;
  /** Each process is started inside its sandbox, so taking one costs no more than unsandboxed. */
  sandbox?: PodSandbox;
  /** Output of processes not (yet) assigned to a pod. */
  onLog(stream: LogStream, line: string): void;
}

export interface PooledRuntime {
  readonly runtime: RuntimeProcess;
  /** The token in the process's argv: record it in the pod's pid file before assign(). */
  readonly token: string;
  /** Sends the assign message; the process is the pod's from now on. */
  assign(assignment: Omit<AssignMessage, 'type'>): void;
  /** The pod's start is over (Ready or exited): the pool refills now rather than compete with it. */
  startSettled(): void;
  /** Taken but never to be assigned (the pod could not be set up): kills it, leaves nothing behind. */
  discard(): void;
}

export type PoolTake = { path: 'pool'; pooled: PooledRuntime } | { path: 'spawn'; reason: SpawnReason };

export interface WarmPoolStatus {
  size: number;
  memoryMb: number;
  /** Pooled, waiting for a pod. */
  idle: number;
  /** Started, not pooled yet. */
  warming: number;
}

/** A process of the pool (warming or idle) and the token its `<poolDir>/<token>/pid` file records. */
export interface PoolProcess {
  pid: number;
  token: string;
}

export interface WarmPool {
  /** An idle process for this pod, or why it must be spawned. Taking refills the pool in the background. */
  take(spec: PodRunSpec): PoolTake;
  status(): WarmPoolStatus;
  /** The pool's own processes (warming and idle), not those taken by pods. */
  processes(): PoolProcess[];
  /** Recreates `<poolDir>/<token>/` with its pid file and log (it was deleted under a live process). */
  restoreDir(token: string): void;
  /** Kills every process not taken and resolves once they are gone. */
  close(): Promise<void>;
}

/** A start that takes longer than this gains nothing from holding back the refill. */
const REFILL_HOLD_MAX_MS = 1_000;
/**
 * After a pod from the pool is Ready, its first request is still on its way: the Ready report is
 * appended and folded, the gateway hands the waiting call over, the pod answers — in `tide up` all
 * on this event loop, which a refill's spawn holds for ~10 ms. Measured with 20 cold starts × 4
 * runs: p50 17.6–22.3 ms refilling at once, 13.8–15.8 ms refilling 100 ms later.
 */
const REFILL_AFTER_START_MS = 100;

interface Member {
  token: string;
  dir: string;
  runtime: RuntimeProcess;
  startedAt: number;
  state: 'warming' | 'idle' | 'taken' | 'dead';
  deadline: unknown;
}

/** Keeps `size` generic runtime processes started and warm, so a cold start is an IPC message, not a spawn. */
export function openWarmPool(options: WarmPoolOptions): WarmPool {
  const { clock } = options;
  const members = new Map<string, Member>(); // warming and idle, oldest first
  let backoffStep = 0;
  let notBefore: number | undefined;
  let refillTimer: unknown;
  let closing: Promise<void> | undefined;

  const usable = (member: Member) => member.state === 'idle' && !member.runtime.exited && member.runtime.child.connected;
  const count = (state: Member['state']) => [...members.values()].filter((member) => member.state === state).length;

  function scheduleRefill(delayMs = 0): void {
    if (closing || refillTimer !== undefined) return;
    refillTimer = clock.setTimeout(refill, delayMs);
  }

  function refill(): void {
    refillTimer = undefined;
    if (closing) return;
    const now = clock.now();
    const plan = planPoolRefill({ size: options.size, idle: count('idle'), warming: count('warming'), notBefore }, now);
    for (let i = 0; i < plan.start; i++) startMember();
    if (plan.wakeAt !== undefined) scheduleRefill(plan.wakeAt - now);
  }

  function startMember(): void {
    const token = randomBytes(12).toString('hex');
    const dir = join(options.poolDir, token);
    const startedAt = clock.now();
    let runtime: RuntimeProcess;
    try {
      mkdirSync(dir, { recursive: true });
      runtime = spawnRuntime({
        nodePath: options.nodePath,
        runtimeEntry: options.runtimeEntry,
        heapMb: options.memoryMb,
        cpuWeightMilli: POOL_CPU_WEIGHT_MILLI,
        config: { mode: 'pool', host: options.host, poolToken: token, poolDir: options.poolDir },
        token,
        pidDir: dir,
        cwd: options.poolDir,
        env: { PATH: options.path, HOME: options.poolDir, ...options.containment.env(token) },
        clock,
        containment: options.containment,
        ...(options.sandbox ? { sandbox: options.sandbox } : {}),
      });
    } catch (error) {
      options.onLog('stderr', `warm pool: could not start a process: ${(error as Error).message}`);
      return onDeath(startedAt);
    }
    runtime.logs.writeTo({ dir, onLine: options.onLog }); // restoreDir opens it again the same way
    const member: Member = { token, dir, runtime, startedAt, state: 'warming', deadline: undefined };
    members.set(token, member);
    member.deadline = clock.setTimeout(() => {
      if (member.state === 'warming') runtime.child.kill('SIGKILL');
    }, options.warmUpTimeoutMs);
    runtime.child.on('message', (message: RuntimeMessage) => {
      if (message.type !== 'pooled' || member.state !== 'warming') return;
      member.state = 'idle';
      clock.clearTimeout(member.deadline);
    });
    const died = () => {
      if (member.state === 'taken' || member.state === 'dead') return; // a pod's exit is the pod's business
      member.state = 'dead';
      members.delete(token);
      // Gone with it, not a moment later: a directory of no process the pool follows is drift.
      rmSync(dir, { recursive: true, force: true });
      clock.clearTimeout(member.deadline);
      onDeath(startedAt);
    };
    runtime.child.once('exit', died);
    void runtime.ended.then(() => {
      died(); // a spawn error has no 'exit'
      if (member.state === 'dead') void rm(dir, { recursive: true, force: true });
    });
  }

  function onDeath(startedAt: number): void {
    if (closing) return;
    const now = clock.now();
    const respawn = planPoolRespawn(backoffStep, now - startedAt, now, options.backoff);
    backoffStep = respawn.backoffStep;
    notBefore = respawn.notBefore;
    scheduleRefill();
  }

  function take(spec: PodRunSpec): PoolTake {
    const idle = [...members.values()].filter(usable);
    const choice = chooseColdStart(spec, { size: closing ? 0 : options.size, memoryMb: options.memoryMb, idle: idle.length });
    if (choice.path === 'spawn') return choice;
    const member = idle[0]!;
    member.state = 'taken';
    members.delete(member.token);
    clock.clearTimeout(member.deadline);
    return { path: 'pool', pooled: handOver(member) };
  }

  function handOver({ runtime, token, dir }: Member): PooledRuntime {
    // Refilling means a spawn, which holds the agent's event loop for milliseconds and competes for
    // the CPU: it waits until this start is over (measured: ~10 ms → ~5.5 ms p50 to Ready).
    let refillHeld = true;
    const startSettled = () => {
      if (!refillHeld) return;
      refillHeld = false;
      clock.clearTimeout(refillCap);
      scheduleRefill(REFILL_AFTER_START_MS);
    };
    const refillCap = clock.setTimeout(startSettled, REFILL_HOLD_MAX_MS);
    return {
      runtime,
      token,
      assign(assignment) {
        // A failed send leaves a process that will never become the pod: end it, its exit is reported.
        runtime.child.send({ type: 'assign', ...assignment } satisfies AssignMessage, (error: Error | null) => {
          if (error) runtime.child.kill('SIGKILL');
        });
        void rm(dir, { recursive: true, force: true }); // the pod's pid file records it now
      },
      startSettled,
      discard() {
        runtime.child.kill('SIGKILL');
        startSettled();
        void runtime.ended.then(() => rm(dir, { recursive: true, force: true }));
      },
    };
  }

  function restoreDir(token: string): void {
    const member = members.get(token);
    if (!member || member.runtime.pid === undefined) return;
    mkdirSync(member.dir, { recursive: true });
    writePidFile(member.dir, { pid: member.runtime.pid, startToken: token });
    member.runtime.logs.writeTo({ dir: member.dir, onLine: options.onLog });
  }

  scheduleRefill();
  return {
    take,
    status: () => ({ size: options.size, memoryMb: options.memoryMb, idle: count('idle'), warming: count('warming') }),
    processes: () => [...members.values()].flatMap((m) => (m.runtime.pid === undefined ? [] : [{ pid: m.runtime.pid, token: m.token }])),
    restoreDir,
    close() {
      closing ??= (async () => {
        if (refillTimer !== undefined) clock.clearTimeout(refillTimer);
        refillTimer = undefined;
        const left = [...members.values()];
        // Idle processes hold no work: SIGTERM ends them at once; SIGKILL is for one stuck warming up.
        await Promise.all(left.map((member) => member.runtime.terminate(1_000)));
        await Promise.all(left.map((member) => rm(member.dir, { recursive: true, force: true })));
      })();
      return closing;
    },
  };
}
