import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { systemClock, type Clock } from './clock.js';
import { describeExit, type PodExit } from './core/exit-reason.js';
import { planPods, type ObservedPhase, type ObservedPod } from './core/plan-pods.js';
import { buildPodEnv, defaultPodPath } from './core/pod-env.js';
import { DEFAULT_BACKOFF, planRestart, type BackoffPolicy } from './core/restart-backoff.js';
import type { LogStream } from './adapters/log-capture.js';
import { writePidFile } from './adapters/pid-file.js';
import { startPodProcess, type PodProcess } from './adapters/pod-process.js';
import { clearStrayPods } from './adapters/stray-pods.js';
import type { PodReport, PodRunSpec } from './pod-types.js';
import { defaultRuntimeEntry } from './runtime-entry.js';

export interface NodeAgent {
  /** Level-triggered: the full desired set of pods for this node. Starts missing ones, stops extra ones. No-op after close(). */
  sync(desired: readonly PodRunSpec[]): void;
  pods(): PodReport[];
  /** Stops every pod gracefully (SIGTERM, grace, SIGKILL) and resolves when all exited. */
  close(): Promise<void>;
}

export interface NodeAgentOptions {
  /** Pods' directories (`pods/<pod>/` with `pid` and `log`) live under here. */
  dataDir: string;
  onReport: (report: PodReport) => void;
  onLog?: (pod: string, stream: LogStream, line: string) => void;
  /** Defaults to @tide/runtime's dist/main.js. */
  runtimeEntry?: string;
  /** Defaults to process.execPath. */
  nodePath?: string;
  /** Default: 1 s doubling to a 10 s cap, reset after 60 s of running. */
  backoff?: { initialMs: number; maxMs: number; resetAfterMs?: number };
  /** A pod not ready this long after its spawn is killed and reported Exited. Default 30 s. */
  startTimeoutMs?: number;
  clock?: Clock;
}

interface PodSlot {
  spec: PodRunSpec;
  phase: ObservedPhase;
  process?: PodProcess;
  restartCount: number;
  backoffStep: number;
  startedAt: number;
  nextRestartAt?: number;
  lastExit?: PodExit;
  stopping?: Promise<void>;
  report: PodReport;
}

/** Opens the kubelet of this machine: first clears pods a previous agent on dataDir left behind. */
export async function openNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const clock = options.clock ?? systemClock;
  const podsDir = join(options.dataDir, 'pods');
  await clearStrayPods(podsDir);
  await mkdir(podsDir, { recursive: true });
  const runtimeEntry = options.runtimeEntry ?? defaultRuntimeEntry();
  const nodePath = options.nodePath ?? process.execPath;
  const podPath = defaultPodPath(dirname(nodePath));
  const backoff: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;

  const slots = new Map<string, PodSlot>();
  let desired: readonly PodRunSpec[] = [];
  let closing: Promise<void> | undefined;
  let wake: { at: number; handle: unknown } | undefined;

  const podDirOf = (slot: PodSlot) => join(podsDir, slot.spec.name);

  function publish(slot: PodSlot, fields: Omit<PodReport, 'pod' | 'restartCount'>): void {
    slot.report = { pod: slot.spec.name, restartCount: slot.restartCount, ...fields };
    options.onReport(slot.report);
  }

  function reconcile(): void {
    if (closing) return;
    const observed: ObservedPod[] = [...slots.values()].map((slot) => ({ name: slot.spec.name, phase: slot.phase, nextRestartAt: slot.nextRestartAt }));
    const plan = planPods(desired, observed, clock.now());
    for (const action of plan.actions) {
      if (action.type === 'start') {
        const slot: PodSlot = { spec: action.spec, phase: 'Starting', restartCount: 0, backoffStep: 0, startedAt: 0, report: { pod: action.spec.name, phase: 'Starting', restartCount: 0 } };
        slots.set(action.spec.name, slot);
        launch(slot);
      } else {
        const slot = slots.get(action.pod);
        if (!slot) continue;
        if (action.type === 'restart') {
          slot.restartCount += 1;
          launch(slot);
        } else void stop(slot);
      }
    }
    scheduleWake(plan.wakeAt);
  }

  function scheduleWake(at: number | undefined): void {
    if (wake?.at === at) return;
    if (wake) clock.clearTimeout(wake.handle);
    wake = undefined;
    if (at === undefined) return;
    const handle = clock.setTimeout(() => {
      wake = undefined;
      reconcile();
    }, Math.max(0, at - clock.now()));
    wake = { at, handle };
  }

  function launch(slot: PodSlot): void {
    slot.phase = 'Starting';
    slot.startedAt = clock.now();
    slot.nextRestartAt = undefined;
    const podDir = podDirOf(slot);
    const startToken = randomBytes(12).toString('hex');
    let child: PodProcess;
    try {
      mkdirSync(podDir, { recursive: true });
      child = startPodProcess({
        spec: slot.spec,
        podDir,
        runtimeEntry,
        nodePath,
        env: buildPodEnv(slot.spec, { home: podDir, path: podPath }),
        startToken,
        startTimeoutMs,
        clock,
        onLog: (stream, line) => options.onLog?.(slot.spec.name, stream, line),
        onReady: (endpoint) => {
          if (slot.process !== child || slot.phase !== 'Starting') return;
          slot.phase = 'Ready';
          publish(slot, { phase: 'Ready', endpoint, pid: child.pid });
        },
        onExit: (exit) => onExited(slot, child, exit),
      });
      slot.process = child;
      if (child.pid !== undefined) writePidFile(podDir, { pid: child.pid, startToken });
    } catch (error) {
      // Could not even set the pod up (e.g. its directory): an exit like any other, so it is retried.
      queueMicrotask(() => onExited(slot, undefined, { code: null, signal: null, spawnError: (error as Error).message }));
      return;
    }
    publish(slot, { phase: 'Starting', pid: child.pid });
  }

  function onExited(slot: PodSlot, child: PodProcess | undefined, exit: PodExit): void {
    if (slot.process !== child) return;
    slot.process = undefined;
    slot.lastExit = exit;
    if (slot.phase === 'Stopping') return; // stop() reports it
    const now = clock.now();
    const restart = planRestart(slot.backoffStep, now - slot.startedAt, now, backoff);
    slot.phase = 'Exited';
    slot.backoffStep = restart.backoffStep;
    slot.nextRestartAt = restart.nextRestartAt;
    publish(slot, {
      phase: 'Exited',
      pid: child?.pid,
      exitCode: exit.code,
      signal: exit.signal,
      reason: describeExit(exit),
      nextRestartAt: restart.nextRestartAt,
    });
    reconcile();
  }

  function stop(slot: PodSlot): Promise<void> {
    slot.stopping ??= (async () => {
      slot.phase = 'Stopping';
      slot.nextRestartAt = undefined;
      await slot.process?.terminate(slot.spec.terminationGraceSeconds * 1000);
      await rm(podDirOf(slot), { recursive: true, force: true });
      if (slots.get(slot.spec.name) === slot) slots.delete(slot.spec.name);
      publish(slot, { phase: 'Stopped', exitCode: slot.lastExit?.code, signal: slot.lastExit?.signal });
      reconcile(); // the same name may be desired again
    })();
    return slot.stopping;
  }

  return {
    sync(next) {
      if (closing) return;
      desired = [...next];
      reconcile();
    },
    pods: () => [...slots.values()].map((slot) => slot.report),
    close() {
      closing ??= (async () => {
        scheduleWake(undefined);
        await Promise.all([...slots.values()].map(stop));
      })();
      return closing;
    },
  };
}
