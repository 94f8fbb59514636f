import {
  parseRecycleNotice,
  type InvocationRecord,
  type SpanBatch,
  type KvCallMessage,
  type KvReplyMessage,
  type QueueReplyMessage,
  type QueueSendMessage,
  type RuntimeConfig,
  type RuntimeMessage,
} from '@tide/runtime';
import { runtimeBindingsOf } from '../core/pod-bindings.js';
import type { Clock } from '../clock.js';
import type { PodExit } from '../core/exit-reason.js';
import type { PodRunSpec } from '../pod-types.js';
import type { LogStream } from './log-capture.js';
import type { PodContainment } from './pod-containment.js';
import type { PodSandbox } from './pod-sandbox.js';
import { STARTUP_CPU_MILLI } from './pod-limits.js';
import { spawnRuntime, type RuntimeProcess } from './runtime-process.js';

/** Where pods listen unless the node is given a routable address (one machine: loopback only). */
export const DEFAULT_POD_HOST = '127.0.0.1';

export interface PodFollowOptions {
  podDir: string;
  /** The address pods listen on and are reached at (the node's address). */
  host: string;
  startTimeoutMs: number;
  clock: Clock;
  onLog(stream: LogStream, line: string, traceId?: string): void;
  /** `importMs`: the runtime's import of the function's module (absent from an older runtime). */
  onReady(endpoint: string, importMs?: number): void;
  /** Called exactly once, after the output is flushed. */
  onExit(exit: PodExit): void;
  /** The pod announced it ends itself (a call ran past its timeout): stop routing to it now. */
  onRecycling?: (reason: string) => void;
  /** Each traced call the pod served; absent = the pod is not asked to report them. */
  onInvocation?: (record: InvocationRecord) => void;
  /** Spans the pod's function ended after their call's response; asked for with onInvocation. */
  onSpans?: (batch: SpanBatch) => void;
  /** Answers the pod's KV calls; absent = they are refused (the node backs no KV). */
  onKv?: (call: KvCallMessage) => Promise<KvReplyMessage>;
  /** Publishes the pod's queue sends; absent = they are refused (the node publishes nowhere). */
  onQueueSend?: (call: QueueSendMessage) => Promise<QueueReplyMessage>;
}

export interface PodProcess {
  readonly pid: number | undefined;
  /** SIGTERM, SIGKILL after graceMs; resolves once the process has exited. */
  terminate(graceMs: number): Promise<void>;
  /** Opens `<podDir>/log` again: the directory was deleted under the pod and has been recreated. */
  reopenLog(): void;
}

export interface PodSpawnOptions extends PodFollowOptions {
  spec: PodRunSpec;
  runtimeEntry: string;
  nodePath: string;
  env: Record<string, string>;
  startToken: string;
  containment: PodContainment;
  sandbox?: PodSandbox;
}

/** A pod's CPU weight while it starts: what it asked for (a spec without a request: its ceiling, else a core). */
export function startingWeightMilli(spec: PodRunSpec): number {
  return spec.cpuRequestMilli ?? spec.cpuMilli ?? STARTUP_CPU_MILLI;
}

/** The spawn path: one new runtime process for this pod, followed until it exits. */
export function startPodProcess(options: PodSpawnOptions): PodProcess {
  const { spec } = options;
  const config: RuntimeConfig = {
    artifactPath: options.sandbox ? options.sandbox.placeArtifact(options.startToken, spec.artifactPath) : spec.artifactPath,
    timeoutMs: spec.timeoutSeconds * 1000,
    host: options.host,
    pod: spec.name,
    startToken: options.startToken,
    ...(options.onInvocation ? { reportInvocations: true } : {}),
    ...runtimeBindingsOf(spec.bindings),
  };
  const runtime = spawnRuntime({
    nodePath: options.nodePath,
    runtimeEntry: options.runtimeEntry,
    heapMb: spec.memoryMb,
    cpuWeightMilli: startingWeightMilli(spec),
    config,
    token: options.startToken,
    pidDir: options.podDir,
    cwd: options.podDir,
    env: options.env,
    clock: options.clock,
    containment: options.containment,
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
  });
  return followPod(runtime, options);
}

/**
 * Follows a runtime process that is becoming a pod (just spawned, or pooled and being assigned):
 * its output goes to the pod's log, its IPC `ready` (sent once it listens) makes it Ready, it is
 * SIGKILLed if not ready within startTimeoutMs, and its end is described (failed reason, OOM).
 */
export function followPod(runtime: RuntimeProcess, options: PodFollowOptions): PodProcess {
  const { clock } = options;
  const exit: Omit<PodExit, 'code' | 'signal'> = {};
  /** The pod's notice that it ends itself; believed only if it then dies by the SIGKILL it announces. */
  let recycleReason: string | undefined;
  const starting = new AbortController(); // aborted when the pod is ready, exits, or runs out of start time

  const logTarget = {
    dir: options.podDir,
    onLine: (stream: LogStream, line: string, traceId?: string) => {
      if (stream === 'stderr') {
        if (line.includes('JavaScript heap out of memory')) exit.outOfMemory = true;
        const recycled = parseRecycleNotice(line);
        if (recycled !== undefined && recycleReason === undefined) {
          recycleReason = recycled;
          options.onRecycling?.(recycled);
        }
      }
      options.onLog(stream, line, traceId);
    },
  };
  runtime.logs.writeTo(logTarget);

  const startDeadline = clock.setTimeout(() => {
    if (runtime.exited || starting.signal.aborted) return;
    exit.startTimeoutMs = options.startTimeoutMs;
    starting.abort();
    runtime.child.kill('SIGKILL');
  }, options.startTimeoutMs);

  runtime.child.on('message', (message: RuntimeMessage) => {
    if (message.type === 'invocation') {
      const { type: _type, ...record } = message;
      return options.onInvocation?.(record);
    }
    if (message.type === 'spans') {
      const { type: _type, ...batch } = message;
      return options.onSpans?.(batch);
    }
    if (message.type === 'kv') return answerKv(runtime, message, options.onKv);
    if (message.type === 'queue-send') return answerQueueSend(runtime, message, options.onQueueSend);
    if (message.type === 'failed') exit.failedReason = message.reason;
    if (message.type !== 'ready') return;
    // The runtime says ready only from its server's listen callback: its port accepts connections.
    // An HTTP probe on top cost every start a connection and a first request (~2-5 ms) and told
    // nothing more; the function's own readiness probe, if it has one, runs from Ready on.
    if (runtime.exited || starting.signal.aborted) return;
    starting.abort();
    clock.clearTimeout(startDeadline);
    options.onReady(`http://${hostForUrl(options.host)}:${message.port}`, message.importMs);
  });

  const stopStarting = () => {
    starting.abort();
    clock.clearTimeout(startDeadline);
  };
  runtime.child.once('exit', stopStarting);
  void runtime.ended.then((end) => {
    stopStarting();
    options.onExit({ ...end, ...exit, ...(recycleReason !== undefined && end.signal === 'SIGKILL' ? { recycleReason } : {}) });
  });

  return { pid: runtime.pid, terminate: (graceMs) => runtime.terminate(graceMs), reopenLog: () => runtime.logs.writeTo(logTarget) };
}

/** An IPv6 address goes in brackets in a URL. */
function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A queue send's reply goes back on the channel it came by; a pod gone meanwhile gets none. */
function answerQueueSend(runtime: RuntimeProcess, call: QueueSendMessage, onQueueSend: PodFollowOptions['onQueueSend']): void {
  const refused: QueueReplyMessage = {
    type: 'queue-result',
    id: call.id,
    ok: false,
    error: 'this node publishes no queue messages (it knows no control plane)',
  };
  const reply = onQueueSend ? onQueueSend(call) : Promise.resolve(refused);
  void reply.then((message) => {
    if (runtime.child.connected) runtime.child.send(message, () => {});
  });
}

/** A KV call's reply goes back on the channel it came by; a pod gone meanwhile gets none. */
function answerKv(runtime: RuntimeProcess, call: KvCallMessage, onKv: PodFollowOptions['onKv']): void {
  const refused: KvReplyMessage = { type: 'kv-result', id: call.id, ok: false, error: 'this node backs no KV namespaces' };
  const reply = onKv ? onKv(call) : Promise.resolve(refused);
  void reply.then((message) => {
    if (runtime.child.connected) runtime.child.send(message, () => {});
  });
}
