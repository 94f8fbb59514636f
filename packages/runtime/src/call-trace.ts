import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallSpans } from './call-spans.js';

/** The W3C trace context of the call a function is serving, as the function sees it. */
export interface CallTrace {
  traceparent: string;
  tracestate?: string;
}

/** What the runtime keeps in scope while a traced call runs. */
export interface CallScope {
  trace: CallTrace;
  /** Where the function's spans go: only in a sampled call whose spans the node agent records. */
  spans?: CallSpans;
}

const calls = new AsyncLocalStorage<CallScope>();

/** Traced calls in flight and work they handed to waitUntil: while any is, the call scopes stay enabled. */
let tracedWork = 0;
const idleListeners: (() => void)[] = [];

/**
 * Counts `work` (a traced call's response until it closes, or its waitUntil promise) until it
 * settles. When nothing traced is left, the call scopes are disabled (`onTracedWorkIdle`): on Node
 * 20 an AsyncLocalStorage, once run, hooks every promise and async step of the process for good
 * (3× the cost of an `await`), so one sampled call in a hundred made every later call of the pod
 * ~20 µs slower. `run` enables it again for the next traced call. Work a traced call starts and
 * does not hand to waitUntil may outlive its scope, as it may outlive the call.
 */
export function trackTracedWork(work: Promise<unknown>): void {
  tracedWork += 1;
  work.then(releaseTracedWork, releaseTracedWork);
}

function releaseTracedWork(): void {
  tracedWork -= 1;
  if (tracedWork > 0) return;
  calls.disable();
  for (const listener of idleListeners) listener();
}

/** Called whenever the last traced work settles (the pod's context manager disables its storage too). */
export function onTracedWorkIdle(listener: () => void): void {
  idleListeners.push(listener);
}

/**
 * Runs a call with its trace context in scope, so that what the function produces while serving it
 * (a queue message, a span) carries the call's trace: a produced record and the call that made it
 * are one trace. An untraced call runs outside any scope: it costs nothing here.
 */
export function withCallTrace<T>(scope: CallScope | undefined, run: () => T): T {
  return scope ? calls.run(scope, run) : run();
}

/** The trace context of the call being served here, if it carried one. */
export function currentCallTrace(): CallTrace | undefined {
  return calls.getStore()?.trace;
}

/** Where a span started now goes, if the call being served records spans. */
export function currentCallSpans(): CallSpans | undefined {
  return calls.getStore()?.spans;
}
