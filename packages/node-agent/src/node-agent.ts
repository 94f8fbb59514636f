import { randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { systemClock, type Clock } from './clock.js';
import type { DriftRepair, TrackedRuntime } from './core/audit.js';
import { describeExit, type PodExit } from './core/exit-reason.js';
import { planPods, type ObservedPhase, type ObservedPod } from './core/plan-pods.js';
import { buildPodEnv, defaultPodPath } from './core/pod-env.js';
import { DEFAULT_BACKOFF, planRestartAfter, type BackoffPolicy } from './core/restart-backoff.js';
import type { LogStream } from './adapters/log-capture.js';
import { writePidFile } from './adapters/pid-file.js';
import { DEFAULT_POD_HOST, followPod, startingWeightMilli, startPodProcess, type PodFollowOptions, type PodProcess } from './adapters/pod-process.js';
import { startPodProbes, type PodProbes } from './adapters/pod-probes.js';
import type { ProbeChange } from './core/probe-tally.js';
import { clearStrayPods } from './adapters/stray-pods.js';
import { openPodContainment } from './adapters/pod-containment.js';
import { openUnsandboxedCpuLimits } from './adapters/pod-cpu-limits.js';
import { removePodLimitDirs, STARTUP_CPU_AFTER_READY_MS, STARTUP_CPU_MILLI } from './adapters/pod-limits.js';
import { openPodNetworkGuard } from './adapters/pod-network-guard.js';
import { openPodSandbox, SANDBOX_TMP_DIR, type SandboxMode } from './adapters/pod-sandbox.js';
import { openWarmPool, type PooledRuntime, type WarmPoolStatus } from './adapters/warm-pool.js';
import type { ColdStart, PodReport, PodRunSpec } from './pod-types.js';
import { describeRepair, startDriftAudit } from './drift-audit.js';
import { defaultRuntimeEntry } from './runtime-entry.js';
import type { InvocationRecord, KvCallMessage, QueueSendMessage, SpanBatch } from '@tide/runtime';
import type { KvCaller } from './core/kv-call.js';
import { kvBindingsOf, runtimeBindingsOf } from './core/pod-bindings.js';
import type { QueueCaller } from './core/queue-send.js';
import type { QueueSender } from './queue-sender.js';
import type { KvStore } from './kv-store.js';

export interface NodeAgent {
  /** Level-triggered: the full desired set of pods for this node. Starts missing ones, stops extra ones. No-op after close(). */
  sync(desired: readonly PodRunSpec[]): void;
  pods(): PodReport[];
  /** How many warm-pool processes are idle and warming now. */
  warmPool(): WarmPoolStatus;
  /** Stops every pod gracefully (SIGTERM, grace, SIGKILL) and the warm pool's processes; resolves when all exited. */
  close(): Promise<void>;
}

/** Default: 2 idle processes with a 128 MB heap (the Function default memoryMb). */
export interface WarmPoolSettings {
  /** Idle pre-started runtime processes to keep; 0 disables the pool (every start spawns). */
  size: number;
  /** Their heap limit. A pod with another memoryMb is spawned: a heap limit is fixed at process start. */
  memoryMb?: number;
}

export const DEFAULT_WARM_POOL = { size: 2, memoryMb: 128 } as const;

/** A pod that announced it ends itself and is still alive this much later is killed by the agent. */
const RECYCLE_KILL_MS = 2_000;

/** A pool process not warmed up (pooled) this long after its spawn is killed and replaced. */
const POOL_WARM_UP_TIMEOUT_MS = 30_000;

export interface NodeAgentOptions {
  /** Pods' directories (`pods/<pod>/` with `pid` and `log`) live under here. */
  dataDir: string;
  onReport: (report: PodReport) => void;
  /** traceId: of the call that printed the line, for a pod's line printed inside a traced call. */
  onLog?: (pod: string, stream: LogStream, line: string, traceId?: string) => void;
  /** Defaults to @tide/runtime's dist/main.js. */
  runtimeEntry?: string;
  /** Defaults to process.execPath. */
  nodePath?: string;
  /**
   * The address pods listen on and are reached at: this node's routable address when gateways
   * run on other machines. Default 127.0.0.1 (one machine).
   */
  podHost?: string;
  /** Restart delay of crashed pods. Default DEFAULT_BACKOFF: 1 s doubling to a 5 min cap, reset after 10 min of running. */
  backoff?: { initialMs: number; maxMs: number; resetAfterMs?: number };
  /** A pod not ready this long after its spawn is killed and reported Exited. Default 30 s. */
  startTimeoutMs?: number;
  /** Pre-started generic runtimes that make a cold start an IPC message. Default DEFAULT_WARM_POOL. */
  warmPool?: WarmPoolSettings;
  /** How often the drift audit compares the agent's pods with the data directory and /proc. Default 1 s. */
  auditIntervalMs?: number;
  /**
   * Each call a pod served for a traced request (a sampled `traceparent`): the agent's process
   * records it as the pod's span. Absent = pods do not report calls.
   */
  onInvocation?: (pod: PodRunSpec, record: InvocationRecord) => void;
  /** Spans a pod's function ended after their call's response: recorded like those in an InvocationRecord. */
  onSpans?: (pod: PodRunSpec, batch: SpanBatch) => void;
  /** Answers pods' KV calls (see kv-store.ts); absent = pods' KV calls are refused. */
  kv?: Pick<KvStore, 'answer'>;
  /** Publishes pods' queue sends (see queue-sender.ts); absent = they are refused. */
  queues?: QueueSender;
  /** Every drift repair (also logged under NODE_AGENT_LOG_NAME), with the error when it failed. */
  onDrift?: (repair: DriftRepair, error?: Error) => void;
  /**
   * How every process a pod started (children in sessions of their own too) is found and killed
   * with it: 'auto' (default) = a cgroup v2 per pod where the agent may create one (root), else
   * by the pod's TIDE_POD_TOKEN in /proc/<pid>/environ (logged once); 'environ' = the latter always.
   */
  containment?: 'auto' | 'environ';
  /**
   * 'bwrap': every runtime process (spawned or pooled) runs in its own namespaces as its own uid
   * (pod-sandbox.ts); opening the agent throws, saying why, where the machine cannot. Default 'none'.
   */
  sandbox?: SandboxMode;
  /** False: sandboxed pods run without the seccomp filter (to measure what it costs; the start line says so). Default true. */
  seccomp?: boolean;
  /** Ports of this machine sandboxed pods may still connect to (the gateway's); every other is closed to them. */
  podReachablePorts?: readonly number[];
  clock?: Clock;
}

/** The name under which onLog receives output of warm-pool processes not assigned to a pod. */
export const WARM_POOL_LOG_NAME = 'warm-pool';

/** The name under which onLog receives the agent's own lines (drift repairs). */
export const NODE_AGENT_LOG_NAME = 'node-agent';

interface PodSlot {
  spec: PodRunSpec;
  phase: ObservedPhase;
  process?: PodProcess;
  /** The token in the process's argv and pid file (its pool token when it came from the pool). */
  startToken?: string;
  /** Readiness and liveness probes of the current process, from Ready on. */
  probes?: PodProbes;
  /** Set when the agent itself ends the current process (liveness): the exit's reason. */
  killReason?: string;
  /** Set when the current process announced it ends itself (a call past its timeout). */
  recycling?: string;
  restartCount: number;
  backoffStep: number;
  startedAt: number;
  coldStart?: ColdStart;
  nextRestartAt?: number;
  lastExit?: PodExit;
  stopping?: Promise<void>;
  report: PodReport;
}

/**
 * Opens the kubelet of this machine: first clears pods and warm-pool processes a previous agent on
 * dataDir left behind, then starts filling the warm pool (in the background).
 */
export async function openNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const clock = options.clock ?? systemClock;
  const podsDir = join(options.dataDir, 'pods');
  const poolDir = join(options.dataDir, 'pool');
  await Promise.all([mkdir(podsDir, { recursive: true }), mkdir(poolDir, { recursive: true })]);
  /** Absolute, symlinks resolved: it names the agent's cgroups. */
  const realDataDir = realpathSync(resolve(options.dataDir));
  const podContainment = openPodContainment({
    dataDir: realDataDir,
    prefer: options.containment ?? 'auto',
    onLog: (line) => options.onLog?.(NODE_AGENT_LOG_NAME, 'stderr', line),
  });
  await Promise.all([clearStrayPods(podsDir), clearStrayPods(poolDir)]);
  // Then what those pods started, which nothing else would ever stop (their pid files are gone now).
  await podContainment.killLeftovers();
  // Absolute: pods start in their own directories.
  const runtimeEntry = resolve(options.runtimeEntry ?? defaultRuntimeEntry());
  const nodePath = options.nodePath ?? process.execPath;
  const podHost = options.podHost ?? DEFAULT_POD_HOST;
  const podPath = defaultPodPath(dirname(nodePath));
  const sandbox = options.sandbox === 'bwrap' ? openPodSandbox({ dataDir: realDataDir, nodePath, runtimeEntry, seccomp: options.seccomp }) : undefined;
  if (sandbox) {
    const { uids, limits, syscalls } = sandbox;
    options.onLog?.(NODE_AGENT_LOG_NAME, 'stderr', `pods run sandboxed (bwrap) as uids ${uids.first}-${uids.last}; limits: ${limits}; ${syscalls}`);
  }
  const networkGuard = sandbox
    ? openPodNetworkGuard({ table: `tide_pods_u${sandbox.uids.index}`, uids: sandbox.uids, allowedPorts: options.podReachablePorts ?? [] })
    : undefined;
  if (networkGuard) options.onLog?.(NODE_AGENT_LOG_NAME, 'stderr', networkGuard.describe);
  // Unsandboxed, a root agent still holds its pods to their cpuMilli.
  const cpuLimits = sandbox ? undefined : openUnsandboxedCpuLimits(realDataDir);
  if (cpuLimits) options.onLog?.(NODE_AGENT_LOG_NAME, 'stderr', `pods run unsandboxed; limits: ${cpuLimits.describe}`);
  const containment = cpuLimits?.wrap(podContainment) ?? podContainment;
  const podCpu = sandbox ?? cpuLimits;
  const backoff: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const pool = openWarmPool({
    size: options.warmPool?.size ?? DEFAULT_WARM_POOL.size,
    memoryMb: options.warmPool?.memoryMb ?? DEFAULT_WARM_POOL.memoryMb,
    poolDir,
    nodePath,
    runtimeEntry,
    path: podPath,
    host: podHost,
    // Not the pods' start timeout: a warm-up is off every start's path, and may be slow on a busy machine.
    warmUpTimeoutMs: POOL_WARM_UP_TIMEOUT_MS,
    backoff,
    clock,
    containment,
    ...(sandbox ? { sandbox } : {}),
    onLog: (stream, line) => options.onLog?.(WARM_POOL_LOG_NAME, stream, line),
  });

  const slots = new Map<string, PodSlot>();
  let desired: readonly PodRunSpec[] = [];
  let closing: Promise<void> | undefined;
  let wake: { at: number; handle: unknown } | undefined;

  const podDirOf = (slot: PodSlot) => join(podsDir, slot.spec.name);
  const audit = startDriftAudit({
    dataDir: realpathSync(resolve(options.dataDir)),
    runtimeEntry,
    intervalMs: options.auditIntervalMs ?? 1_000,
    clock,
    tracked,
    knownPods: () => [...slots.keys()],
    restoreDir,
    onRepair: (repair, error) => {
      options.onLog?.(NODE_AGENT_LOG_NAME, 'stderr', `drift: ${describeRepair(repair)}${error ? ` failed: ${error.message}` : ''}`);
      options.onDrift?.(repair, error);
    },
    onError: (error) => options.onLog?.(NODE_AGENT_LOG_NAME, 'stderr', `drift audit failed: ${error.message}`),
  });

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
        const slot: PodSlot = {
          spec: action.spec,
          phase: 'Starting',
          restartCount: 0,
          backoffStep: 0,
          startedAt: 0,
          report: { pod: action.spec.name, phase: 'Starting', restartCount: 0 },
        };
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
    const handle = clock.setTimeout(
      () => {
        wake = undefined;
        reconcile();
      },
      Math.max(0, at - clock.now()),
    );
    wake = { at, handle };
  }

  /** Every process the agent follows, and where its pid file belongs. */
  function tracked(): TrackedRuntime[] {
    const pods = [...slots.values()].flatMap((slot): TrackedRuntime[] =>
      slot.process?.pid !== undefined && slot.startToken !== undefined
        ? [{ pid: slot.process.pid, startToken: slot.startToken, dir: { kind: 'pods', name: slot.spec.name } }]
        : [],
    );
    return [...pods, ...pool.processes().map((p): TrackedRuntime => ({ pid: p.pid, startToken: p.token, dir: { kind: 'pool', name: p.token } }))];
  }

  /** A live process's directory was deleted (or its pid file changed): write it back, reopen the log. */
  function restoreDir(repair: Extract<DriftRepair, { type: 'restore-dir' }>): void {
    if (repair.dir.kind === 'pool') return pool.restoreDir(repair.dir.name);
    const slot = slots.get(repair.dir.name);
    if (slot?.process?.pid !== repair.pid) return;
    mkdirSync(podDirOf(slot), { recursive: true });
    writePidFile(podDirOf(slot), { pid: repair.pid, startToken: repair.startToken });
    slot.process.reopenLog();
  }

  function launch(slot: PodSlot): void {
    slot.phase = 'Starting';
    slot.startedAt = clock.now();
    slot.nextRestartAt = undefined;
    slot.killReason = undefined;
    slot.recycling = undefined;
    const podDir = podDirOf(slot);
    let child: PodProcess | undefined;
    const onInvocation = options.onInvocation;
    const onSpans = options.onSpans;
    const kv = options.kv;
    const queues = options.queues;
    const follow: PodFollowOptions = {
      podDir,
      host: podHost,
      ...(onInvocation ? { onInvocation: (record: InvocationRecord) => onInvocation(slot.spec, record) } : {}),
      ...(onSpans ? { onSpans: (batch: SpanBatch) => onSpans(slot.spec, batch) } : {}),
      ...(kv ? { onKv: (call: KvCallMessage) => kv.answer(kvCallerOf(slot.spec), call) } : {}),
      ...(queues ? { onQueueSend: (call: QueueSendMessage) => queues.answer(queueCallerOf(slot.spec), call) } : {}),
      startTimeoutMs,
      clock,
      onLog: (stream, line, traceId) => options.onLog?.(slot.spec.name, stream, line, traceId),
      onReady: (endpoint, importMs) => {
        if (slot.process !== child || slot.phase !== 'Starting' || slot.recycling !== undefined) return;
        slot.phase = 'Ready';
        // The start's CPU boost outlasts Ready by a moment: the cold start's first call is served with it.
        // From then on its quota is its ceiling and its weight what it asked for, as Kubernetes maps limits and requests.
        const { cpuMilli, cpuRequestMilli } = slot.spec;
        const token = slot.startToken;
        if (podCpu && cpuMilli !== undefined && token !== undefined)
          clock.setTimeout(() => podCpu.limitCpu(token, { quotaMilli: cpuMilli, weightMilli: cpuRequestMilli ?? cpuMilli }), STARTUP_CPU_AFTER_READY_MS);
        publish(slot, {
          phase: 'Ready',
          endpoint,
          pid: child?.pid,
          coldStart: slot.coldStart,
          startMs: clock.now() - slot.startedAt,
          ...(importMs === undefined ? {} : { importMs }),
        });
        if (slot.spec.probes?.readiness || slot.spec.probes?.liveness) {
          slot.probes = startPodProbes({
            endpoint,
            probes: slot.spec.probes,
            clock,
            onReadiness: (change) => onReadinessChanged(slot, child, endpoint, change),
            onLivenessFailed: (why) => killForLiveness(slot, child, why),
          });
        }
      },
      onRecycling: (reason) => onRecycling(slot, child, reason),
      onExit: (exit) => onExited(slot, child, exit),
    };
    try {
      mkdirSync(podDir, { recursive: true });
      const taken = pool.take(slot.spec);
      slot.coldStart = taken.path;
      slot.startToken = taken.path === 'pool' ? taken.pooled.token : randomBytes(12).toString('hex');
      const env = { ...buildPodEnv(slot.spec, { home: podDir, path: podPath }), ...containment.env(slot.startToken) };
      // A pooled process started weighing next to nothing; the pod it now is weighs what it asked for.
      if (taken.path === 'pool' && podCpu) podCpu.limitCpu(slot.startToken, { quotaMilli: STARTUP_CPU_MILLI, weightMilli: startingWeightMilli(slot.spec) });
      child =
        taken.path === 'pool'
          ? assignPooled(taken.pooled, slot.spec, env, follow)
          : startPodProcess({
              ...follow,
              spec: slot.spec,
              runtimeEntry,
              nodePath,
              env,
              startToken: slot.startToken,
              containment,
              ...(sandbox ? { sandbox } : {}),
            });
      slot.process = child;
    } catch (error) {
      // Could not even set the pod up (e.g. its directory): an exit like any other, so it is retried.
      queueMicrotask(() => onExited(slot, undefined, { code: null, signal: null, spawnError: (error as Error).message }));
      return;
    }
    publish(slot, { phase: 'Starting', pid: slot.process.pid, coldStart: slot.coldStart });
  }

  /** The pool path: the pooled process's token goes into the pod's pid file first, then it is told what to be. */
  function assignPooled(pooled: PooledRuntime, spec: PodRunSpec, env: Record<string, string>, follow: PodFollowOptions): PodProcess {
    const { runtime, token } = pooled;
    try {
      writePidFile(follow.podDir, { pid: runtime.pid!, startToken: token });
    } catch (error) {
      pooled.discard(); // taken from the pool, never to be a pod: leave no orphan
      throw error;
    }
    const pod = followPod(runtime, {
      ...follow,
      onReady: (endpoint, importMs) => {
        pooled.startSettled();
        follow.onReady(endpoint, importMs);
      },
      onExit: (exit) => {
        pooled.startSettled();
        follow.onExit(exit);
      },
    });
    pooled.assign({
      // A sandboxed process sees its code under /artifact, and not the pod's directory.
      artifactPath: sandbox ? sandbox.placeArtifact(token, spec.artifactPath) : spec.artifactPath,
      timeoutMs: spec.timeoutSeconds * 1000,
      env: sandbox ? { ...env, HOME: SANDBOX_TMP_DIR } : env,
      cwd: sandbox ? SANDBOX_TMP_DIR : follow.podDir,
      pod: spec.name,
      startToken: token,
      ...(follow.onInvocation ? { reportInvocations: true } : {}),
      ...runtimeBindingsOf(spec.bindings),
    });
    return pod;
  }

  /** Not ready = Starting with the probe's reason (the platform knows no other phase); the gateway routes to Ready pods only. */
  function onReadinessChanged(slot: PodSlot, child: PodProcess | undefined, endpoint: string, change: ProbeChange): void {
    if (slot.process !== child || slot.phase === 'Stopping' || slot.killReason !== undefined || slot.recycling !== undefined) return;
    const pid = child?.pid;
    if (change.type === 'failed') {
      slot.phase = 'Starting';
      publish(slot, { phase: 'Starting', pid, coldStart: slot.coldStart, reason: `readiness probe failed: ${change.why}` });
    } else {
      slot.phase = 'Ready';
      publish(slot, { phase: 'Ready', endpoint, pid, coldStart: slot.coldStart });
    }
  }

  /** Kubernetes' liveness: stop routing to it at once, end it gracefully, and restart it under back-off like a crash. */
  function killForLiveness(slot: PodSlot, child: PodProcess | undefined, why: string): void {
    if (!child || slot.process !== child || slot.phase === 'Stopping') return;
    slot.probes?.stop();
    slot.killReason = `liveness probe failed: ${why}`;
    slot.phase = 'Starting';
    publish(slot, { phase: 'Starting', pid: child.pid, coldStart: slot.coldStart, reason: slot.killReason });
    void child.terminate(slot.spec.terminationGraceSeconds * 1000);
  }

  /**
   * The pod is about to end itself and waits a moment before it answers the call that ran too long:
   * routing stops now, so the caller's next call waits for the replacement instead of hitting a pod
   * on its way out. The pod kills itself; should it not, the agent does after RECYCLE_KILL_MS.
   */
  function onRecycling(slot: PodSlot, child: PodProcess | undefined, reason: string): void {
    if (!child || slot.process !== child || slot.phase === 'Stopping' || slot.killReason !== undefined) return;
    slot.recycling = reason;
    slot.probes?.stop();
    slot.phase = 'Starting';
    publish(slot, { phase: 'Starting', pid: child.pid, coldStart: slot.coldStart, reason });
    clock.setTimeout(() => {
      if (slot.process === child) void child.terminate(0);
    }, RECYCLE_KILL_MS);
  }

  function onExited(slot: PodSlot, child: PodProcess | undefined, observed: PodExit): void {
    if (slot.process !== child) return;
    const exit = slot.killReason === undefined ? observed : { ...observed, killReason: slot.killReason };
    slot.probes?.stop();
    slot.probes = undefined;
    slot.process = undefined;
    slot.lastExit = exit;
    if (slot.phase === 'Stopping') return; // stop() reports it
    const now = clock.now();
    const restart = planRestartAfter(exit, slot.backoffStep, now - slot.startedAt, now, backoff);
    slot.phase = 'Exited';
    slot.backoffStep = restart.backoffStep;
    slot.nextRestartAt = restart.nextRestartAt;
    publish(slot, {
      phase: 'Exited',
      pid: child?.pid,
      coldStart: slot.coldStart,
      exitCode: exit.code,
      signal: exit.signal,
      reason: describeExit(exit),
      ...(restart.backingOff ? { nextRestartAt: restart.nextRestartAt } : {}),
    });
    reconcile();
  }

  function stop(slot: PodSlot): Promise<void> {
    slot.stopping ??= (async () => {
      slot.phase = 'Stopping';
      slot.nextRestartAt = undefined;
      slot.probes?.stop();
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
    warmPool: () => pool.status(),
    close() {
      closing ??= (async () => {
        audit.stop();
        scheduleWake(undefined);
        await Promise.all([...[...slots.values()].map(stop), pool.close()]);
        containment.close();
        networkGuard?.close();
        sandbox?.close();
        removePodLimitDirs(realDataDir);
      })();
      return closing;
    },
  };
}

function kvCallerOf(spec: PodRunSpec): KvCaller {
  return { pod: spec.name, namespace: spec.namespace, functionName: spec.functionName, bindings: kvBindingsOf(spec.bindings) };
}

function queueCallerOf(spec: PodRunSpec): QueueCaller {
  return { namespace: spec.namespace, functionName: spec.functionName, bindings: spec.bindings ?? [] };
}
