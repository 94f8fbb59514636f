/**
 * The process inside a pod: `node [--max-old-space-size=M] main.js '<RuntimeConfig JSON>'`, started by
 * the node agent with an IPC channel. Imports the function, serves it on 127.0.0.1:<any port>, and
 * reports `{type:'ready', port}` or `{type:'failed', reason}` (then exits 1) over IPC. Without an IPC
 * channel (run by hand) it prints the same messages to stdout.
 *
 * With `{"mode":"pool",...}` it is a warm-pool process: it warms up, reports `{type:'pooled'}`, and
 * becomes a pod when the agent sends `{type:'assign', ...}` (see pool-protocol.ts).
 *
 * process.env is the function's environment (the agent builds it from the pod spec, or sends it in
 * the assign message), so this file passes it to the function whole and reads no settings from it.
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { markCallOutput } from './call-output.js';
import { createCallSlots, type CallSlots } from './call-slots.js';
import type { WatchdogData } from './call-watchdog.js';
import { FunctionModuleError, resolveHandlers } from './function-handler.js';
import { kvBindingsOverIpc } from './kv-channel.js';
import { queueBindingsOverIpc } from './queue-channel.js';
import { isPoolConfig, parseLaunchConfig } from './launch-config.js';
import type { AssignMessage, PoolConfig } from './pool-protocol.js';
import { waitForAssignment } from './pooled-runtime.js';
import { registerPodTracing } from './pod-tracing.js';
import type { InvocationRecord, RuntimeConfig, RuntimeMessage, SpanBatch } from './runtime-config.js';
import { serveFunction, type ServedFunction } from './serve-function.js';
import { mapStacksOf } from './source-mapped-stacks.js';

/** After the agent is gone nobody will route here for long: finish quickly, leave no orphan. */
const ORPHAN_DRAIN_MS = 2_000;

type FunctionConfig = Pick<RuntimeConfig, 'artifactPath' | 'timeoutMs' | 'host' | 'reportInvocations' | 'kvBindings' | 'queueBindings'>;

async function main(): Promise<void> {
  let config: RuntimeConfig | PoolConfig;
  try {
    config = parseLaunchConfig(process.argv[2]);
  } catch (error) {
    return fail(describe(error), error);
  }
  // Before the function is imported: what it prints inside a traced call names the call's trace.
  markCallOutput();
  const calls = createCallSlots();
  // Before the function is imported, so that what it sets up at import finds the context manager.
  registerPodTracing();
  if (!isPoolConfig(config)) return runFunction(config, calls, () => startWatchdog(calls));
  let assignment: AssignMessage;
  try {
    // A pool process pays for the watchdog thread (~25 ms of CPU) while idle, not on a pod's start.
    startWatchdog(calls);
    assignment = await waitForAssignment(() => send({ type: 'pooled' }));
    becomePod(assignment);
  } catch (error) {
    return fail(describe(error), error);
  }
  return runFunction(
    {
      artifactPath: assignment.artifactPath,
      timeoutMs: assignment.timeoutMs,
      host: config.host,
      ...(assignment.reportInvocations ? { reportInvocations: true } : {}),
      ...(assignment.kvBindings ? { kvBindings: assignment.kvBindings } : {}),
      ...(assignment.queueBindings ? { queueBindings: assignment.queueBindings } : {}),
    },
    calls,
  );
}

/**
 * The thread that ends this pod when a call runs past its timeout (call-watchdog.ts), even while a
 * function blocks the main thread. Costs the process ~10 MB of memory. If it cannot start, the pod
 * serves unwatched and says so.
 */
function startWatchdog(calls: CallSlots): void {
  try {
    const workerData: WatchdogData = { buffer: calls.buffer };
    const worker = new Worker(new URL('./call-watchdog.js', import.meta.url), { workerData, stdin: false });
    worker.unref();
    worker.once('error', (error) =>
      process.stderr.write(`tide-runtime: the call watchdog failed, calls past their timeout are not ended: ${describe(error)}\n`),
    );
  } catch (error) {
    process.stderr.write(`tide-runtime: the call watchdog did not start, calls past their timeout are not ended: ${describe(error)}\n`);
  }
}

/**
 * A pooled process was started before anyone knew its pod: its environment becomes exactly the
 * pod's (every key it started with is deleted first), and it moves into the pod's directory.
 * argv, and so /proc/<pid>/cmdline, cannot change: the agent recognises the process by its poolToken.
 */
function becomePod(assignment: AssignMessage): void {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, assignment.env);
  if (assignment.cwd !== undefined) process.chdir(assignment.cwd);
}

/** `startWatchdogLater`: for a spawned pod, whose watchdog thread is started once it serves (see ServeOptions). */
async function runFunction(config: FunctionConfig, calls: CallSlots, startWatchdogLater?: () => void): Promise<void> {
  // Watch for a lost agent from the start: if it dies while the function imports, the
  // 'disconnect' event has passed by the time the server is up, and nothing else would end us.
  let stopServing: ((maxDrainMs: number) => void) | undefined;
  const orphaned = () => (stopServing ? stopServing(Math.min(config.timeoutMs, ORPHAN_DRAIN_MS)) : process.exit(0));
  if (process.send) {
    if (!process.connected) return orphaned();
    process.once('disconnect', orphaned);
  }
  let module: unknown;
  let importMs = 0;
  const artifactUrl = pathToFileURL(config.artifactPath).href;
  mapStacksOf(artifactUrl, config.artifactPath);
  try {
    const importStarted = performance.now();
    module = await import(artifactUrl);
    importMs = performance.now() - importStarted;
    resolveHandlers(module);
  } catch (error) {
    // A module of the wrong shape is said as it is: "import failed: module has no fetch, ... handler".
    return fail(`import failed: ${error instanceof FunctionModuleError ? error.message : describe(error)}`, error);
  }
  // Once: serveFunction starts it before the first call at the latest, and this file once ready.
  let watchdogStarted = false;
  const startWatchdogOnce = startWatchdogLater
    ? () => {
        if (watchdogStarted) return;
        watchdogStarted = true;
        startWatchdogLater();
      }
    : undefined;
  let served: ServedFunction;
  try {
    served = await serveFunction(module, {
      host: config.host,
      port: 0,
      timeoutMs: config.timeoutMs,
      // Bindings sit next to the vars in `env`, as in Workers.
      env: { ...functionEnv(), ...kvBindingsOverIpc(config.kvBindings ?? []), ...queueBindingsOverIpc(config.queueBindings ?? []) },
      calls,
      ...(startWatchdogOnce ? { startWatchdog: startWatchdogOnce } : {}),
      ...(config.reportInvocations && process.send ? { spans: { onInvocation: reportInvocation, onSpans: reportSpans } } : {}),
    });
  } catch (error) {
    return fail(`listen failed: ${describe(error)}`, error);
  }
  const stop = (maxDrainMs: number) => {
    const exit = () => process.exit(0);
    setTimeout(exit, maxDrainMs).unref();
    served.close().then(exit, exit);
  };
  process.once('SIGTERM', () => stop(config.timeoutMs));
  stopServing = stop;
  if (process.send && !process.connected) return orphaned();
  await send({ type: 'ready', port: served.port, importMs });
  // The agent routes on this message without probing first: the thread starts now, while the first
  // call is on its way, not inside it.
  if (startWatchdogOnce) setImmediate(startWatchdogOnce);
}

function functionEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return env;
}

async function fail(reason: string, error: unknown): Promise<void> {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await send({ type: 'failed', reason });
  process.exit(1);
}

/** To the agent only: with the agent gone there is nobody to record it (and stdout is the function's). */
function reportInvocation(record: InvocationRecord): void {
  if (process.connected) void send({ type: 'invocation', ...record });
}

function reportSpans(batch: SpanBatch): void {
  if (process.connected) void send({ type: 'spans', ...batch });
}

function send(message: RuntimeMessage): Promise<void> {
  if (!process.send || !process.connected) {
    process.stdout.write(`${JSON.stringify(message)}\n`);
    return Promise.resolve();
  }
  const sendMessage = process.send.bind(process);
  return new Promise<void>((resolve) => sendMessage(message, undefined, undefined, () => resolve()));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

// A forgotten promise in a function must not take down every other in-flight request.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});

await main();
