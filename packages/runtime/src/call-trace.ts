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
